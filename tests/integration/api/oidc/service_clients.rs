//! A client on its own behalf (`client_credentials`): only `directory`, never for a public
//! client, living by its registration; and introspection and revocation with a client's
//! authentication, each client only for its own tokens.

use axum::{Router, http::StatusCode};
use employees::db::Db;
use serde_json::json;

use super::helpers::*;
use crate::common::*;

async fn client_token(app: &Router, client: &Registered, scope: &str) -> Reply {
    let body = format!("grant_type=client_credentials{scope}");
    send(app, with_basic(form("/token", &body), client)).await
}

async fn a_service_reads_the_directory_on_its_own_behalf(db: Db) {
    seeded(&db).await;
    let app = employees::app(state(db.clone()).await);
    let grants = json!(["client_credentials"]);
    let service = register(
        &app,
        json!({"grant_types": grants, "redirect_uris": [],
        "allowed_scopes": ["directory", "me", "manager", "hr", "openid"]}),
    )
    .await;
    let reply = client_token(&app, &service, "").await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text());
    assert_eq!(
        reply.json()["scope"],
        "directory",
        "only what needs no employee"
    );
    assert!(reply.json().get("refresh_token").is_none());
    let token = reply.json()["access_token"].as_str().unwrap().to_owned();
    let claims = jsonwebtoken::dangerous::insecure_decode::<serde_json::Value>(&token)
        .unwrap()
        .claims;
    assert_eq!(claims["sub"], service.id.as_str());
    assert_eq!(claims["client_id"], service.id.as_str());

    for uri in [
        "/employees?q=Facello",
        "/departments",
        "/departments/d005/employees",
    ] {
        let reply = send(&app, with_bearer(get(uri), &token)).await;
        assert_eq!(reply.status, StatusCode::OK, "{uri}: {}", reply.text());
    }
    assert_eq!(
        send(&app, with_bearer(get("/users/me"), &token))
            .await
            .status,
        StatusCode::FORBIDDEN
    );
    for scope in [
        "&scope=me",
        "&scope=manager",
        "&scope=hr",
        "&scope=openid",
        "&scope=directory%20me",
    ] {
        let refused = client_token(&app, &service, scope).await;
        assert_eq!(refused.status, StatusCode::BAD_REQUEST, "{scope}");
        assert_eq!(refused.json()["error"], "invalid_scope", "{scope}");
    }
    // Public clients and clients not allowed the grant get none.
    let public = register(&app, json!({"confidential": false})).await;
    let reply = send(
        &app,
        form(
            "/token",
            &format!("grant_type=client_credentials&client_id={}", public.id),
        ),
    )
    .await;
    assert_eq!(
        reply.json()["error"],
        "unauthorized_client",
        "{}",
        reply.text()
    );
    let web = register(&app, json!({})).await;
    assert_eq!(
        client_token(&app, &web, "").await.json()["error"],
        "unauthorized_client"
    );
    let wrong = Registered {
        id: service.id.clone(),
        secret: Some("wrong".into()),
    };
    assert_eq!(
        client_token(&app, &wrong, "").await.status,
        StatusCode::UNAUTHORIZED
    );

    // The token lives by the registration: a deleted client's token is refused.
    let admin = login(&app, BEHAI).await;
    let mut delete = get(&format!("/admin/clients/{}", service.id));
    *delete.method_mut() = axum::http::Method::DELETE;
    assert_eq!(
        send(&app, with_bearer(delete, &admin)).await.status,
        StatusCode::NO_CONTENT
    );
    assert_eq!(
        send(&app, with_bearer(get("/departments"), &token))
            .await
            .status,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        send(&app, with_bearer(get("/employees?q=Facello"), &token))
            .await
            .status,
        StatusCode::UNAUTHORIZED
    );
}
dual_test!(
    client_credentials,
    a_service_reads_the_directory_on_its_own_behalf
);

async fn clients_introspect_and_revoke_their_own_tokens_only(db: Db) {
    seeded(&db).await;
    let app = employees::app(state(db.clone()).await);
    let mine = register(&app, json!({})).await;
    let theirs = register(&app, json!({})).await;
    let cookie = login(&app, BEHAI).await;
    let (verifier, challenge) = pkce();
    let code = code_for(&app, &cookie, &authorize_uri(&mine.id, &challenge, &[])).await;
    let body = redeem(&app, &mine, &code, &verifier).await.json();
    let access = body["access_token"].as_str().unwrap().to_owned();
    let refresh = body["refresh_token"].as_str().unwrap().to_owned();

    let introspect = |client: &Registered, token: &str| {
        let request = with_basic(form("/token/introspect", &format!("token={token}")), client);
        let app = app.clone();
        async move { send(&app, request).await }
    };
    let seen = introspect(&mine, &access).await;
    assert_eq!(seen.status, StatusCode::OK, "{}", seen.text());
    assert_eq!(seen.json()["active"], true);
    assert_eq!(seen.json()["client_id"], mine.id.as_str());
    assert_eq!(introspect(&mine, &refresh).await.json()["active"], true);
    assert_eq!(
        introspect(&theirs, &access).await.json(),
        json!({"active": false}),
        "not its token"
    );
    assert_eq!(
        introspect(&mine, &cookie).await.json(),
        json!({"active": false}),
        "a first-party token"
    );
    let wrong = Registered {
        id: mine.id.clone(),
        secret: Some("wrong".into()),
    };
    assert_eq!(
        introspect(&wrong, &access).await.status,
        StatusCode::UNAUTHORIZED
    );
    // Without a client, introspection is for admins, as before.
    assert_eq!(
        send(&app, form("/token/introspect", &format!("token={access}")))
            .await
            .status,
        StatusCode::UNAUTHORIZED
    );

    // Another client's revocation ends nothing; the owner's does.
    let revoke = |client: &Registered, token: &str| {
        let request = with_basic(form("/token/revoke", &format!("token={token}")), client);
        let app = app.clone();
        async move { send(&app, request).await }
    };
    assert_eq!(revoke(&theirs, &access).await.status, StatusCode::OK);
    assert_eq!(
        send(&app, with_bearer(get("/userinfo"), &access))
            .await
            .status,
        StatusCode::OK
    );
    assert_eq!(revoke(&theirs, &cookie).await.status, StatusCode::OK);
    assert_eq!(
        send(&app, with_bearer(get("/users/me"), &cookie))
            .await
            .status,
        StatusCode::OK
    );
    assert_eq!(revoke(&mine, &refresh).await.status, StatusCode::OK);
    assert_eq!(
        send(&app, with_bearer(get("/userinfo"), &access))
            .await
            .status,
        StatusCode::UNAUTHORIZED
    );
}
dual_test!(
    own_tokens,
    clients_introspect_and_revoke_their_own_tokens_only
);
