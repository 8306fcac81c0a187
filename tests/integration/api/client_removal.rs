//! `DELETE /admin/clients/{client_id}`: the client's live sessions end with it, in the same
//! transaction and on record; every other session is left alone.

use axum::{Router, http::StatusCode};
use employees::db::Db;

use crate::{
    api::clients::{body, delete, register, setup},
    api::users::assert_invalid_token,
    common::*,
};

/// The sid of a token's session, as the session list shows it.
async fn sid_of(app: &Router, token: &str) -> String {
    let sessions = send(app, with_bearer(get("/users/me/sessions"), token))
        .await
        .json();
    let current = sessions
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["current"] == true);
    current.unwrap()["sid"].as_str().unwrap().to_owned()
}

async fn sql(db: &Db, statement: &'static str, binds: &[&str]) -> i64 {
    employees::dispatch!(db, pool => {
        let mut query = sqlx::query_scalar::<_, i64>(statement);
        for bind in binds {
            query = query.bind(*bind);
        }
        query.fetch_optional(pool).await.unwrap().unwrap_or_default()
    })
}

async fn deleting_a_client_ends_its_sessions_only(db: Db) {
    let (_, app, admin) = setup(&db).await;
    let mut ids = Vec::new();
    for _ in 0..2 {
        let reply = register(&app, &admin, body(false)).await;
        ids.push(reply.json()["client_id"].as_str().unwrap().to_owned());
    }
    let (held, other, none) = (
        login(&app, PRANAV).await,
        login(&app, PRANAV).await,
        login(&app, PRANAV).await,
    );
    for (token, client) in [(&held, &ids[0]), (&other, &ids[1])] {
        let sid = sid_of(&app, token).await;
        sql(
            &db,
            "UPDATE sessions SET client_id = ? WHERE sid = ?",
            &[client.as_str(), sid.as_str()],
        )
        .await;
    }
    sql(
        &db,
        "INSERT INTO oauth_consents (emp_no, client_id, scope, granted_at) VALUES (10198, ?, 'openid', 0)",
        &[ids[0].as_str()],
    )
    .await;

    let reply = send(
        &app,
        with_bearer(delete(&format!("/admin/clients/{}", ids[0])), &admin),
    )
    .await;
    assert_eq!(reply.status, StatusCode::NO_CONTENT, "{}", reply.text());
    assert_invalid_token(
        &send(&app, with_bearer(get("/users/me"), &held)).await,
        "the deleted client's session",
    );
    for token in [&other, &none, &admin] {
        assert_eq!(
            send(&app, with_bearer(get("/users/me"), token))
                .await
                .status,
            StatusCode::OK
        );
    }
    let gone = send(
        &app,
        with_bearer(get(&format!("/admin/clients/{}", ids[0])), &admin),
    )
    .await;
    assert_eq!(gone.status, StatusCode::NOT_FOUND);
    let again = send(
        &app,
        with_bearer(delete(&format!("/admin/clients/{}", ids[0])), &admin),
    )
    .await;
    assert_eq!(again.status, StatusCode::NOT_FOUND);
    let consents = "SELECT COUNT(*) FROM oauth_consents WHERE client_id = ?";
    assert_eq!(sql(&db, consents, &[ids[0].as_str()]).await, 0);
    // On record: the removal and the session it ended.
    let audited = "SELECT COUNT(*) FROM audit_log WHERE action = ? AND details LIKE ?";
    assert_eq!(
        sql(&db, audited, &["client.remove", &format!("%{}%", ids[0])]).await,
        1
    );
    assert_eq!(
        sql(&db, audited, &["session.revoke", "%client removed%"]).await,
        1
    );
}
dual_test!(
    delete_ends_sessions,
    deleting_a_client_ends_its_sessions_only
);
