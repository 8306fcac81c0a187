//! Signing keys: published with their thumbprint `kid`s, sealed at rest, shared by instances,
//! rotated (next → active → retired → removed), and every refusal of the contract's Tokens
//! section (unknown `kid`, `alg` not the key's, `none`, HMAC with the public key as secret).

use axum::http::StatusCode;
use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};
use employees::{db::Db, service::keys::KeyAlg};
use jsonwebtoken::{
    Algorithm, DecodingKey, EncodingKey, Header, Validation,
    jwk::{Jwk, JwkSet, ThumbprintHash},
};
use serde_json::{Value, json};

use crate::{api::directory::get_as, common::*};

async fn key_set(app: &axum::Router) -> JwkSet {
    let reply = send(app, get("/jwks.json")).await;
    assert_eq!(reply.status, StatusCode::OK);
    assert_eq!(reply.header("cache-control"), Some("public, max-age=300"));
    serde_json::from_value(reply.json()).expect("an RFC 7517 key set")
}

fn kid_of(token: &str) -> String {
    jsonwebtoken::decode_header(token)
        .unwrap()
        .kid
        .expect("a kid")
}

async fn keys_are_published_with_thumbprint_kids(db: Db) {
    seeded(&db).await;
    let app = employees::app(state(db.clone()).await);
    let set = key_set(&app).await;
    let algs: Vec<String> = set
        .keys
        .iter()
        .map(|key| format!("{:?}", key.common.key_algorithm.unwrap()))
        .collect();
    assert_eq!(algs, ["ES256", "RS256"]);
    for key in &set.keys {
        let kid = key.common.key_id.clone().unwrap();
        assert_eq!(key.thumbprint(ThumbprintHash::SHA256).unwrap(), kid);
        assert!(
            !serde_json::to_string(key).unwrap().contains("\"d\""),
            "no private part"
        );
    }
    // An access token is RFC 9068's, signed ES256 by a published key, and verifies with it alone.
    let token = login(&app, BEHAI).await;
    let header = jsonwebtoken::decode_header(&token).unwrap();
    assert_eq!(header.typ.as_deref(), Some("at+jwt"));
    assert_eq!(header.alg, Algorithm::ES256);
    let jwk = set
        .find(&header.kid.unwrap())
        .expect("its key is published");
    let mut validation = Validation::new(Algorithm::ES256);
    validation.set_audience(&[AUDIENCE]);
    let claims =
        jsonwebtoken::decode::<Value>(&token, &DecodingKey::from_jwk(jwk).unwrap(), &validation)
            .expect("verifies with the published key")
            .claims;
    assert_eq!(claims["iss"], ISSUER);
    assert_eq!(claims["client_id"], "first-party");
    // Private parts are sealed: the stored text holds no key material in clear, and another
    // secret cannot open it.
    let sealed: Vec<(String, String)> = employees::dispatch!(&db, pool => sqlx::query_as(
        "SELECT kid, private_sealed FROM signing_keys").fetch_all(pool).await.unwrap());
    assert_eq!(sealed.len(), 2);
    let other =
        employees::service::keys::material::Sealer::derive(b"another secret, another secret!!");
    for (kid, text) in &sealed {
        assert!(other.open(kid, text).is_none());
        assert!(
            employees::service::keys::material::Sealer::derive(SECRET)
                .open(kid, text)
                .is_some()
        );
    }
}
dual_test!(published, keys_are_published_with_thumbprint_kids);

fn forged(header: Value, claims: &Value, signature: &[u8]) -> String {
    let encode = |value: &Value| URL_SAFE_NO_PAD.encode(value.to_string());
    format!(
        "{}.{}.{}",
        encode(&header),
        encode(claims),
        URL_SAFE_NO_PAD.encode(signature)
    )
}

async fn forged_keys_and_algorithms_are_refused(db: Db) {
    seeded(&db).await;
    let app = employees::app(state(db.clone()).await);
    let token = login(&app, BEHAI).await;
    let kid = kid_of(&token);
    let claims: Value = jsonwebtoken::dangerous::insecure_decode::<Value>(&token)
        .unwrap()
        .claims;
    let set = key_set(&app).await;
    let es256: &Jwk = set.find(&kid).unwrap();
    let rs256_kid = set.keys[1].common.key_id.clone().unwrap();
    let public_json = serde_json::to_vec(es256).unwrap();
    let hmac_with = |secret: &[u8], kid: &str| {
        let mut header = Header::new(Algorithm::HS256);
        header.kid = Some(kid.to_owned());
        header.typ = Some("at+jwt".into());
        jsonwebtoken::encode(&header, &claims, &EncodingKey::from_secret(secret)).unwrap()
    };
    let stranger = employees::service::keys::material::generate(KeyAlg::Es256).unwrap();
    let mut header = Header::new(Algorithm::ES256);
    header.typ = Some("at+jwt".into());
    header.kid = Some(stranger.kid.clone());
    let unknown_kid = jsonwebtoken::encode(
        &header,
        &claims,
        &EncodingKey::from_ec_der(&stranger.private_der),
    )
    .unwrap();
    header.kid = Some(kid.clone());
    let stranger_signed_with_our_kid = jsonwebtoken::encode(
        &header,
        &claims,
        &EncodingKey::from_ec_der(&stranger.private_der),
    )
    .unwrap();
    let signature = URL_SAFE_NO_PAD
        .decode(token.rsplit('.').next().unwrap())
        .unwrap();
    let cases = [
        ("unknown kid", unknown_kid),
        ("another key under our kid", stranger_signed_with_our_kid),
        (
            "alg none",
            forged(
                json!({"alg": "none", "typ": "at+jwt", "kid": kid}),
                &claims,
                b"",
            ),
        ),
        (
            "HMAC with the public JWK as secret",
            hmac_with(&public_json, &kid),
        ),
        (
            "HMAC with the JWT secret and our kid",
            hmac_with(SECRET, &kid),
        ),
        (
            "RS256 named for the ES256 key",
            forged(
                json!({"alg": "RS256", "typ": "at+jwt", "kid": kid}),
                &claims,
                &signature,
            ),
        ),
        (
            "ES256 named for the RS256 key",
            forged(
                json!({"alg": "ES256", "typ": "at+jwt", "kid": rs256_kid}),
                &claims,
                &signature,
            ),
        ),
        (
            "typ JWT: not an access token",
            forged(
                json!({"alg": "ES256", "typ": "JWT", "kid": kid}),
                &claims,
                &signature,
            ),
        ),
        (
            "no typ",
            forged(json!({"alg": "ES256", "kid": kid}), &claims, &signature),
        ),
    ];
    assert_eq!(
        get_as(&app, &token, "/users/me").await.status,
        StatusCode::OK,
        "control"
    );
    for (case, forged) in cases {
        let reply = get_as(&app, &forged, "/users/me").await;
        assert_eq!(reply.status, StatusCode::UNAUTHORIZED, "{case}");
    }
}
dual_test!(forgeries, forged_keys_and_algorithms_are_refused);
