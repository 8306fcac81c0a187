//! The contract's table of who sees what: each scope against each kind of target employee.

use axum::{Router, http::StatusCode};
use employees::db::Db;
use serde_json::Value;

use crate::common::*;

/// A staff member of d001, which MANAGER_EMP_NO manages now.
const MANAGED: i32 = 500014;
/// A current employee of d005 (not managed by MANAGER_EMP_NO).
const ELSEWHERE: i32 = 10198;

pub async fn token_for(app: &Router, email: &str, scope: &str) -> String {
    let reply = post_token(
        app,
        &format!("username={email}&password=password&scope={scope}"),
    )
    .await;
    assert_eq!(
        reply.status,
        StatusCode::OK,
        "{email} {scope}: {}",
        reply.text()
    );
    reply.json()["access_token"].as_str().unwrap().to_owned()
}

pub async fn get_as(app: &Router, token: &str, uri: &str) -> Reply {
    send(app, with_bearer(get(uri), token)).await
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum Sees {
    Record,
    Card,
    Nothing,
}

async fn assert_sees(app: &Router, token: &str, who: &str, emp_no: i32, expected: Sees) {
    let reply = get_as(app, token, &format!("/employees/{emp_no}")).await;
    let history = get_as(app, token, &format!("/employees/{emp_no}/history")).await;
    let salaries = get_as(app, token, &format!("/employees/{emp_no}/salaries")).await;
    let context = format!("{who} looking at {emp_no}");
    match expected {
        Sees::Record => {
            assert_eq!(reply.status, StatusCode::OK, "{context}");
            assert!(
                reply.json()["birth_date"].is_string(),
                "{context}: full record"
            );
            assert_eq!(history.status, StatusCode::OK, "{context}");
            assert!(!history.json()["titles"].as_array().unwrap().is_empty());
            assert_eq!(salaries.status, StatusCode::OK, "{context}");
            assert!(salaries.json()[0]["salary"].is_number(), "{context}");
        }
        Sees::Card => {
            assert_eq!(reply.status, StatusCode::OK, "{context}");
            let card = reply.json();
            assert_eq!(card["emp_no"], emp_no);
            assert!(
                card.get("birth_date").is_none() && card.get("gender").is_none(),
                "{context}: card only"
            );
            for refused in [&history, &salaries] {
                assert_eq!(refused.status, StatusCode::FORBIDDEN, "{context}");
                assert_eq!(
                    refused.header("www-authenticate"),
                    Some("Bearer error=\"insufficient_scope\", scope=\"hr\"")
                );
            }
        }
        Sees::Nothing => {
            for reply in [&reply, &history, &salaries] {
                assert_eq!(reply.status, StatusCode::NOT_FOUND, "{context}");
                assert_eq!(reply.json()["detail"], "Not found");
            }
        }
    }
}

async fn each_scope_sees_what_the_contract_says(db: Db) {
    seeded(&db).await;
    let manager = email_of(&db, MANAGER_EMP_NO).await;
    let hr = email_of(&db, HR_EMP_NO).await;
    let app = employees::app(state(db).await);
    let pranav_directory = token_for(&app, PRANAV, "directory").await;
    let pranav_me = token_for(&app, PRANAV, "me").await;
    let managing = token_for(&app, &manager, "manager").await;
    let hr_token = token_for(&app, &hr, "hr").await;
    use Sees::*;
    // (caller, token, [self, managed staff, employee elsewhere, former, unknown])
    let table: [(&str, &str, i32, [Sees; 4]); 4] = [
        (
            "directory",
            &pranav_directory,
            ELSEWHERE,
            [Card, Card, Card, Nothing],
        ),
        (
            "me",
            &pranav_me,
            ELSEWHERE,
            [Record, Nothing, Nothing, Nothing],
        ),
        (
            "manager",
            &managing,
            MANAGER_EMP_NO,
            [Record, Record, Card, Nothing],
        ),
        ("hr", &hr_token, HR_EMP_NO, [Record, Record, Record, Record]),
    ];
    for (who, token, own, [own_view, managed, elsewhere, former]) in table {
        assert_sees(&app, token, who, own, own_view).await;
        assert_sees(&app, token, who, MANAGED, managed).await;
        let other = if own == ELSEWHERE { 500005 } else { ELSEWHERE };
        assert_sees(&app, token, who, other, elsewhere).await;
        assert_sees(&app, token, who, FORMER_EMP_NO, former).await;
        assert_sees(&app, token, who, 1, Nothing).await;
    }
}
dual_test!(visibility, each_scope_sees_what_the_contract_says);

async fn scopes_guard_every_directory_endpoint(db: Db) {
    seeded(&db).await;
    let app = employees::app(state(db).await);
    let me_only = token_for(&app, PRANAV, "me").await;
    let admin_only = token_for(&app, BEHAI, "admin").await;
    let directory = token_for(&app, PRANAV, "directory").await;
    for (token, uri, needed) in [
        (&me_only, "/employees", "directory"),
        (&me_only, "/departments", "directory"),
        (&me_only, "/departments/d001", "directory"),
        (&me_only, "/departments/d001/employees", "directory"),
        (&admin_only, "/employees/10198", "directory"),
        (&directory, "/employees?status=former", "hr"),
        (&directory, "/employees?status=all", "hr"),
    ] {
        let reply = get_as(&app, token, uri).await;
        assert_eq!(reply.status, StatusCode::FORBIDDEN, "{uri}");
        assert_eq!(reply.json()["detail"], "Not enough permissions");
        let challenge = format!("Bearer error=\"insufficient_scope\", scope=\"{needed}\"");
        assert_eq!(
            reply.header("www-authenticate"),
            Some(challenge.as_str()),
            "{uri}"
        );
    }
    for uri in [
        "/employees",
        "/employees/10198",
        "/departments",
        "/departments/d001/employees",
    ] {
        let reply = send(&app, get(uri)).await;
        assert_eq!(reply.status, StatusCode::UNAUTHORIZED, "{uri}");
        let reply = get_as(&app, "not-a-token", uri).await;
        assert_eq!(reply.status, StatusCode::UNAUTHORIZED, "{uri}");
    }
}
dual_test!(scope_guards, scopes_guard_every_directory_endpoint);

fn emp_nos(reply: &Reply) -> Vec<i64> {
    reply.json()["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|card: &Value| card["emp_no"].as_i64().unwrap())
        .collect()
}

async fn former_employees_are_listed_for_hr_only(db: Db) {
    seeded(&db).await;
    let hr = email_of(&db, HR_EMP_NO).await;
    let app = employees::app(state(db).await);
    let directory = token_for(&app, PRANAV, "directory").await;
    let hr_token = token_for(&app, &hr, "hr").await;
    let current = get_as(&app, &directory, "/employees?limit=100").await;
    assert_eq!(current.status, StatusCode::OK);
    let listed = emp_nos(&current);
    assert_eq!(listed.len(), 38, "the seed's current employees");
    assert!(!listed.contains(&i64::from(FORMER_EMP_NO)));
    let former = get_as(&app, &hr_token, "/employees?status=former&limit=100").await;
    let mut former = emp_nos(&former);
    former.sort_unstable();
    assert_eq!(former, [500010, 500011, 500012, 500013]);
    let all = get_as(&app, &hr_token, "/employees?status=all&limit=100").await;
    assert_eq!(emp_nos(&all).len(), 42);
    let card = &get_as(&app, &hr_token, "/employees?status=former&q=500010")
        .await
        .json()["items"][0];
    assert_eq!(card["active"], false);
    assert_eq!(card["department"], Value::Null);
}
dual_test!(former_for_hr, former_employees_are_listed_for_hr_only);

async fn a_revoked_token_is_refused_by_every_directory_endpoint(db: Db) {
    seeded(&db).await;
    let app = employees::app(state(db).await);
    let token = token_for(&app, PRANAV, "").await;
    let uris = [
        "/employees",
        "/employees?q=zzzzzz",
        "/employees?q=fur",
        "/employees/10198",
        "/employees/10198/salaries",
        "/departments",
        "/departments/d005",
        "/departments/d005/employees",
        "/departments/d005/employees?q=zzzzzz",
    ];
    for uri in uris {
        assert_eq!(
            get_as(&app, &token, uri).await.status,
            StatusCode::OK,
            "{uri}"
        );
    }
    let logout = send(
        &app,
        with_bearer(
            axum::http::Request::post("/logout")
                .body(axum::body::Body::empty())
                .unwrap(),
            &token,
        ),
    )
    .await;
    assert_eq!(logout.status, StatusCode::NO_CONTENT);
    // Searches check revocation in their own statement; an empty page looks the token up alone.
    for uri in uris {
        let reply = get_as(&app, &token, uri).await;
        assert_eq!(reply.status, StatusCode::UNAUTHORIZED, "{uri}");
        assert_eq!(
            reply.header("www-authenticate"),
            Some("Bearer error=\"invalid_token\""),
            "{uri}"
        );
    }
}
dual_test!(
    revoked,
    a_revoked_token_is_refused_by_every_directory_endpoint
);
