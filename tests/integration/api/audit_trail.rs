//! `GET /audit` and the granted roles (scope `admin`), on both backends: filters, keyset pages
//! with sealed cursors and `Link`, every `400`; roles replaced, and a role taken away ending the
//! holder's tokens, on record.

use axum::{Router, http::StatusCode};
use employees::db::Db;
use serde_json::{Value, json};

use crate::{
    api::directory::{get_as, token_for},
    api::hr::{audit_of, hr_token, post_as},
    common::*,
};

async fn admin_token(app: &Router) -> String {
    token_for(app, BEHAI, "admin").await
}

fn ids(page: &Value) -> Vec<i64> {
    page["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["id"].as_i64().unwrap())
        .collect()
}

async fn the_trail_is_filtered_and_paged(db: Db) {
    seeded(&db).await;
    let app = employees::app(state(db.clone()).await);
    let hr = hr_token(&app, &db).await;
    for (uri, body) in [
        (
            "/employees/10198/title",
            json!({"title": "Staff", "from_date": "2020-01-01"}),
        ),
        (
            "/employees/10198/salary",
            json!({"salary": 90000, "from_date": "2020-02-01"}),
        ),
        (
            "/employees/500014/title",
            json!({"title": "Staff", "from_date": "2020-03-01"}),
        ),
    ] {
        assert_eq!(post_as(&app, &hr, uri, body).await.status, StatusCode::OK);
    }
    let admin = admin_token(&app).await;
    let everything = get_as(&app, &admin, "/audit?limit=100").await;
    assert_eq!(everything.status, StatusCode::OK, "{}", everything.text());
    let everything = everything.json();
    let all = ids(&everything);
    assert!(all.windows(2).all(|w| w[0] > w[1]), "newest first: {all:?}");
    assert_eq!(all.len(), 2 + 3, "two logins and three changes");
    let newest = &everything["items"][0];
    assert_eq!(newest["action"], "login.success");
    assert_eq!(newest["actor"], 500222);
    assert!(
        newest["at"].as_str().unwrap().ends_with('Z'),
        "RFC 3339 UTC: {newest}"
    );

    let titles = get_as(&app, &admin, "/audit?action=employee.title")
        .await
        .json();
    assert_eq!(ids(&titles).len(), 2);
    let pranav = get_as(&app, &admin, "/audit?emp_no=10198").await.json();
    assert_eq!(ids(&pranav).len(), 2);
    assert_eq!(pranav["items"][0]["details"]["after"]["salary"], 90000);
    let by_hr = get_as(
        &app,
        &admin,
        &format!("/audit?actor={HR_EMP_NO}&action=employee.title"),
    )
    .await
    .json();
    assert_eq!(ids(&by_hr).len(), 2);
    let today = chrono::Utc::now().date_naive();
    let tomorrow = today.succ_opt().unwrap();
    let yesterday = today.pred_opt().unwrap();
    assert_eq!(
        ids(&get_as(&app, &admin, &format!("/audit?from={tomorrow}"))
            .await
            .json())
        .len(),
        0
    );
    assert_eq!(
        ids(&get_as(&app, &admin, &format!("/audit?to={yesterday}"))
            .await
            .json())
        .len(),
        0
    );
    assert_eq!(
        ids(&get_as(
            &app,
            &admin,
            &format!("/audit?from={today}&to={today}&limit=100")
        )
        .await
        .json()),
        all
    );

    // Pages of two, through `Link`: the same entries, none twice.
    let mut seen = Vec::new();
    let mut uri = "/audit?limit=2".to_owned();
    loop {
        let reply = get_as(&app, &admin, &uri).await;
        assert_eq!(reply.status, StatusCode::OK, "{uri}: {}", reply.text());
        seen.extend(ids(&reply.json()));
        let Some(link) = reply.header("link") else {
            break;
        };
        uri = link
            .strip_prefix('<')
            .unwrap()
            .split_once('>')
            .unwrap()
            .0
            .to_owned();
    }
    assert_eq!(seen, all);
    // Reading the trail is not on it.
    assert_eq!(
        ids(&get_as(&app, &admin, "/audit?limit=100").await.json()),
        all
    );

    let first = get_as(&app, &admin, "/audit?limit=2").await.json();
    let cursor = first["next_cursor"].as_str().unwrap().to_owned();
    let mut forged = cursor.clone();
    forged.replace_range(0..1, if cursor.starts_with('A') { "B" } else { "A" });
    for (uri, names) in [
        ("/audit?action=nope".to_owned(), "action"),
        ("/audit?emp_no=abc".to_owned(), "emp_no"),
        ("/audit?actor=".to_owned(), "actor"),
        ("/audit?limit=0".to_owned(), "limit"),
        ("/audit?from=yesterday".to_owned(), "from"),
        (format!("/audit?from={today}&to={yesterday}"), "from"),
        (format!("/audit?limit=2&cursor={forged}"), "cursor"),
        (format!("/audit?limit=3&cursor={cursor}"), "cursor"),
    ] {
        let reply = get_as(&app, &admin, &uri).await;
        assert_eq!(reply.status, StatusCode::BAD_REQUEST, "{uri}");
        assert!(
            reply.json()["detail"].as_str().unwrap().starts_with(names),
            "{uri}: {}",
            reply.text()
        );
    }
    let refused = get_as(&app, &hr, "/audit").await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
    assert!(
        refused
            .header("www-authenticate")
            .unwrap()
            .contains("scope=\"admin\"")
    );
}
dual_test!(trail, the_trail_is_filtered_and_paged);

async fn roles_are_granted_and_taken_away(db: Db) {
    seeded(&db).await;
    let app = employees::app(state(db.clone()).await);
    let admin = admin_token(&app).await;
    let hr = hr_token(&app, &db).await;
    let put = |emp_no: i32, roles: Value| {
        let request = json("/x", json!({"roles": roles}));
        let (mut parts, body) = request.into_parts();
        parts.method = axum::http::Method::PUT;
        parts.uri = format!("/employees/{emp_no}/roles").parse().unwrap();
        send(
            &app,
            with_bearer(axum::http::Request::from_parts(parts, body), &admin),
        )
    };
    let held = get_as(&app, &admin, &format!("/employees/{HR_EMP_NO}/roles")).await;
    assert_eq!(held.json(), json!({"roles": ["hr"]}));

    // Granting leaves tokens alone; the order is the roles' own.
    let pranav = login(&app, PRANAV).await;
    let granted = put(10198, json!(["admin", "hr", "hr"])).await;
    assert_eq!(
        granted.json(),
        json!({"roles": ["hr", "admin"]}),
        "{}",
        granted.text()
    );
    assert_eq!(
        get_as(&app, &pranav, "/users/me").await.status,
        StatusCode::OK
    );

    // Taking `hr` away ends the holder's tokens at once.
    assert_eq!(
        get_as(&app, &hr, "/employees/10198/salaries").await.status,
        StatusCode::OK
    );
    let taken = put(HR_EMP_NO, json!([])).await;
    assert_eq!(taken.json(), json!({"roles": []}), "{}", taken.text());
    assert_eq!(
        get_as(&app, &hr, "/employees/10198/salaries").await.status,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        get_as(&app, &hr, "/employees/10198").await.status,
        StatusCode::UNAUTHORIZED
    );
    let entries = audit_of(&db, HR_EMP_NO).await;
    assert_eq!(entries.len(), 1);
    assert_eq!(entries[0].1, "roles.change");
    assert_eq!(
        entries[0].2,
        json!({"before": {"roles": ["hr"]}, "after": {"roles": []}})
    );

    for refused in [
        json!(["manager"]),
        json!(["employee"]),
        json!(["root"]),
        json!("hr"),
        json!([1]),
    ] {
        let reply = put(10198, refused.clone()).await;
        assert_eq!(reply.status, StatusCode::UNPROCESSABLE_ENTITY, "{refused}");
        assert_eq!(reply.json()["errors"][0]["field"], "roles");
    }
    assert_eq!(put(999999, json!([])).await.status, StatusCode::NOT_FOUND);
    let pranav_admin = token_for(&app, PRANAV, "admin").await;
    assert_eq!(
        get_as(&app, &pranav_admin, "/employees/10198/roles")
            .await
            .status,
        StatusCode::OK
    );
    // The token from before the grant still works, with the scopes it was given.
    assert_eq!(
        get_as(&app, &pranav, "/employees/10198/roles").await.status,
        StatusCode::FORBIDDEN
    );
}
dual_test!(roles, roles_are_granted_and_taken_away);
