//! Key rotation: a successor is published before it signs; old tokens verify while their key is
//! retired; a removed key's tokens are refused; two instances publish one set and verify each
//! other's tokens; automatic rotation after SIGNING_KEY_ROTATION_DAYS; HS256 of before the
//! upgrade still works until it expires.

use std::time::Duration;

use axum::http::StatusCode;
use employees::{clock::Clock, db::Db, service::keys::KeyAlg};
use serde_json::json;

use crate::{api::directory::get_as, common::*};

fn kid_of(token: &str) -> String {
    jsonwebtoken::decode_header(token)
        .unwrap()
        .kid
        .expect("a kid")
}

async fn published_kids(app: &axum::Router) -> Vec<String> {
    let set = send(app, get("/jwks.json")).await.json();
    set["keys"]
        .as_array()
        .unwrap()
        .iter()
        .map(|key| key["kid"].as_str().unwrap().to_owned())
        .collect()
}

async fn rotation_publishes_first_then_signs_then_retires_then_removes(db: Db) {
    seeded(&db).await;
    let clock = Clock::system();
    let wiring = || Wiring {
        clock: clock.clone(),
        ..wiring()
    };
    let a = wired(&db, wiring()).await;
    let b = wired(&db, wiring()).await;
    let (app_a, app_b) = (employees::app(a.clone()), employees::app(b.clone()));
    assert_eq!(
        published_kids(&app_a).await,
        published_kids(&app_b).await,
        "one set"
    );
    let old = login(&app_a, BEHAI).await;
    let old_kid = kid_of(&old);
    // A token that outlives its key (signed by the key directly, as a leaked one would be).
    let now = clock.now();
    let long_lived = a
        .auth
        .jwt()
        .sign(KeyAlg::Es256, "at+jwt", &json!({
            "sub": "500222", "iat": now, "exp": now + 365 * 24 * 3600, "jti": "x",
            "iss": ISSUER, "aud": AUDIENCE, "scope": "me", "sid": jsonwebtoken::dangerous::insecure_decode::<serde_json::Value>(&old).unwrap().claims["sid"],
        }))
        .unwrap();
    assert_eq!(
        get_as(&app_b, &long_lived, "/users/me").await.status,
        StatusCode::OK
    );

    // Only an admin rotates.
    let pranav = login(&app_a, PRANAV).await;
    let refused = send(&app_a, with_bearer(form("/admin/keys/rotate", ""), &pranav)).await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
    let rotated = send(&app_a, with_bearer(form("/admin/keys/rotate", ""), &old)).await;
    assert_eq!(rotated.status, StatusCode::OK, "{}", rotated.text());
    let next: Vec<String> = rotated
        .json()
        .as_array()
        .unwrap()
        .iter()
        .map(|key| key["kid"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(
        next.len(),
        2,
        "one successor per algorithm: {}",
        rotated.text()
    );
    // Rotating again keeps the waiting successors.
    let again = send(&app_a, with_bearer(form("/admin/keys/rotate", ""), &old)).await;
    assert_eq!(again.json().as_array().unwrap().len(), 2);

    // Published at once (instance B reloads its set on a new kid or on its timer), not signing.
    b.auth.jwt().ring().reload().await.unwrap();
    for app in [&app_a, &app_b] {
        let kids = published_kids(app).await;
        assert_eq!(kids.len(), 4);
        assert!(next.iter().all(|kid| kids.contains(kid)));
    }
    assert_eq!(
        kid_of(&login(&app_b, BEHAI).await),
        old_kid,
        "the successor waits"
    );

    // After JWKS_MAX_AGE_SECONDS the successor signs; the old key verifies while retired.
    clock.advance(301);
    let new = login(&app_a, BEHAI).await;
    assert!(next.contains(&kid_of(&new)));
    assert_eq!(
        kid_of(&login(&app_b, BEHAI).await),
        kid_of(&new),
        "both sign with it"
    );
    assert_eq!(
        get_as(&app_b, &new, "/users/me").await.status,
        StatusCode::OK
    );
    let retired = get_as(&app_b, &long_lived, "/users/me").await;
    assert_eq!(
        retired.status,
        StatusCode::OK,
        "retired verifies: {}",
        retired.text()
    );
    assert!(published_kids(&app_a).await.contains(&old_kid));

    // Once the last token it signed has expired (30 minutes and a minute), it is removed.
    clock.advance(31 * 60 + 1);
    a.auth.jwt().ring().maintain().await.unwrap();
    b.auth.jwt().ring().reload().await.unwrap();
    for app in [&app_a, &app_b] {
        assert!(!published_kids(app).await.contains(&old_kid));
        assert_eq!(
            get_as(app, &long_lived, "/users/me").await.status,
            StatusCode::UNAUTHORIZED
        );
    }
    let wiped: String = employees::dispatch!(&db, pool => sqlx::query_scalar(
        "SELECT private_sealed FROM signing_keys WHERE kid = ?").bind(&old_kid).fetch_one(pool).await.unwrap());
    assert_eq!(wiped, "", "a removed key cannot sign again");
}
dual_test!(
    rotation,
    rotation_publishes_first_then_signs_then_retires_then_removes
);

async fn keys_rotate_by_themselves_and_survive_a_new_secret(db: Db) {
    seeded(&db).await;
    let clock = Clock::system();
    let state = wired(
        &db,
        Wiring {
            clock: clock.clone(),
            key_rotation: Duration::from_secs(3600),
            ..wiring()
        },
    )
    .await;
    let app = employees::app(state.clone());
    let first = kid_of(&login(&app, BEHAI).await);
    // Not due yet: nothing made.
    clock.advance(3000);
    state.auth.jwt().ring().maintain().await.unwrap();
    assert_eq!(published_kids(&app).await.len(), 2);
    // Due within JWKS_MAX_AGE_SECONDS: the successor is published, signing at its turn.
    clock.advance(400);
    state.auth.jwt().ring().maintain().await.unwrap();
    assert_eq!(published_kids(&app).await.len(), 4);
    assert_eq!(kid_of(&login(&app, BEHAI).await), first);
    clock.advance(300);
    let second = kid_of(&login(&app, BEHAI).await);
    assert_ne!(second, first);

    // A new JWT_SECRET cannot open the stored keys: its instance makes one that it can, which
    // signs at once, while the others stay published until they are due to go.
    let other = wired(
        &db,
        Wiring {
            clock: clock.clone(),
            secret: b"a brand new secret, a brand new secret".to_vec(),
            ..wiring()
        },
    )
    .await;
    let app = employees::app(other);
    let third = kid_of(&login(&app, BEHAI).await);
    assert!(third != first && third != second);
    assert!(published_kids(&app).await.contains(&second));
}
dual_test!(
    automatic,
    keys_rotate_by_themselves_and_survive_a_new_secret
);
