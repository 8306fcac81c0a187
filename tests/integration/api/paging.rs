//! `GET /employees` paging and filters: keyset pages across inserts, the sealed cursor, `Link`,
//! every filter and every `400`.

use axum::{Router, http::StatusCode};
use employees::db::Db;
use serde_json::Value;

use crate::{
    api::directory::{get_as, token_for},
    common::*,
};

fn emp_nos(reply: &Reply) -> Vec<i64> {
    reply.json()["items"]
        .as_array()
        .unwrap_or_else(|| panic!("items: {}", reply.text()))
        .iter()
        .map(|card: &Value| card["emp_no"].as_i64().unwrap())
        .collect()
}

/// Every page of a listing, following `next_cursor`; checks `Link` on the way.
async fn all_pages(app: &Router, token: &str, first: &str) -> Vec<Vec<i64>> {
    let mut pages = Vec::new();
    let mut uri = first.to_owned();
    loop {
        let reply = get_as(app, token, &uri).await;
        assert_eq!(reply.status, StatusCode::OK, "{uri}: {}", reply.text());
        pages.push(emp_nos(&reply));
        let Some(cursor) = reply.json()["next_cursor"].as_str().map(str::to_owned) else {
            assert!(reply.header("link").is_none());
            return pages;
        };
        let link = reply.header("link").expect("Link with a next page");
        let target = link
            .strip_prefix('<')
            .and_then(|l| l.split_once(">; rel=\"next\""))
            .unwrap()
            .0;
        assert!(target.contains("cursor="), "{link}");
        uri = target.to_owned();
        let _ = cursor;
    }
}

async fn insert_employee(db: &Db, emp_no: i32, last_name: &str) {
    employees::dispatch!(db, pool => {
        sqlx::query("INSERT INTO employees (emp_no, birth_date, first_name, last_name, gender, hire_date) VALUES (?, '1970-01-01', 'Zed', ?, 'M', '2000-01-01')")
            .bind(emp_no).bind(last_name).execute(pool).await.unwrap();
        sqlx::query("INSERT INTO dept_emp (emp_no, dept_no, from_date, to_date) VALUES (?, 'd001', '2000-01-01', '9999-01-01')")
            .bind(emp_no).execute(pool).await.unwrap();
    });
}

async fn pages_hold_while_rows_are_added(db: Db) {
    seeded(&db).await;
    let app = employees::app(state(db.clone()).await);
    let token = token_for(&app, PRANAV, "directory").await;
    let first = get_as(&app, &token, "/employees?limit=5").await;
    let mut seen = emp_nos(&first);
    let mut cursor = first.json()["next_cursor"].as_str().unwrap().to_owned();
    // Added before and after the position reached: the earlier ones never show up, the later ones do.
    insert_employee(&db, 600001, "Aaronson").await;
    insert_employee(&db, 600002, "Zzyzx").await;
    loop {
        let reply = get_as(&app, &token, &format!("/employees?limit=5&cursor={cursor}")).await;
        assert_eq!(reply.status, StatusCode::OK);
        seen.extend(emp_nos(&reply));
        match reply.json()["next_cursor"].as_str() {
            Some(next) => cursor = next.to_owned(),
            None => break,
        }
    }
    let mut unique = seen.clone();
    unique.sort_unstable();
    unique.dedup();
    assert_eq!(unique.len(), seen.len(), "no duplicates: {seen:?}");
    assert_eq!(
        seen.len(),
        38 + 1,
        "every current employee once, plus the one added ahead"
    );
    assert!(seen.contains(&600002) && !seen.contains(&600001));
    // The order is last name, first name, emp_no.
    let all = get_as(&app, &token, "/employees?limit=100").await.json();
    let keys: Vec<(String, String, i64)> = all["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            (
                c["last_name"].as_str().unwrap().to_lowercase(),
                c["first_name"].as_str().unwrap().to_lowercase(),
                c["emp_no"].as_i64().unwrap(),
            )
        })
        .collect();
    assert!(keys.windows(2).all(|w| w[0] <= w[1]), "{keys:?}");
    let pages = all_pages(&app, &token, "/employees?limit=7").await;
    assert_eq!(pages.iter().map(Vec::len).sum::<usize>(), 40);
    assert!(pages.iter().all(|p| p.len() <= 7));
}
dual_test!(paging_with_inserts, pages_hold_while_rows_are_added);

async fn changed_or_foreign_cursors_are_400(db: Db) {
    seeded(&db).await;
    let app = employees::app(state(db).await);
    let token = token_for(&app, PRANAV, "directory").await;
    let first = get_as(&app, &token, "/employees?limit=3").await;
    let cursor = first.json()["next_cursor"].as_str().unwrap().to_owned();
    let mut flipped = cursor.clone().into_bytes();
    flipped[2] = if flipped[2] == b'A' { b'B' } else { b'A' };
    let flipped = String::from_utf8(flipped).unwrap();
    let forged = format!(
        "{}.AAAAAAAAAAAAAAAAAAAAAA",
        cursor.split('.').next().unwrap()
    );
    for uri in [
        format!("/employees?limit=3&cursor={flipped}"),
        format!("/employees?limit=3&cursor={forged}"),
        "/employees?cursor=garbage".to_owned(),
        "/employees?cursor=%FF%FE".to_owned(),
        // A cursor of one search does not page another.
        format!("/employees?limit=3&q=s&cursor={cursor}"),
        format!("/departments/d001/employees?cursor={cursor}"),
    ] {
        let reply = get_as(&app, &token, &uri).await;
        assert_eq!(
            reply.status,
            StatusCode::BAD_REQUEST,
            "{uri}: {}",
            reply.text()
        );
        assert!(
            reply.json()["detail"]
                .as_str()
                .unwrap()
                .starts_with("cursor"),
            "{uri}"
        );
    }
    let next = get_as(&app, &token, &format!("/employees?limit=3&cursor={cursor}")).await;
    assert_eq!(next.status, StatusCode::OK);
    assert!(emp_nos(&next).iter().all(|n| !emp_nos(&first).contains(n)));
}
dual_test!(cursor_tampering, changed_or_foreign_cursors_are_400);

async fn every_filter_narrows_as_documented(db: Db) {
    seeded(&db).await;
    let app = employees::app(state(db.clone()).await);
    let token = token_for(&app, PRANAV, "directory").await;
    insert_employee(&db, 600003, "100%_Real").await;
    let cases: [(&str, &[i64]); 14] = [
        ("q=furedi", &[10198]),
        ("q=FUR", &[10198]),
        ("q=pranav", &[10198]),
        ("q=pranav%20fu", &[10198]),
        ("q=be%20hai%20ng", &[500222]),
        ("q=behai_", &[500222]),
        ("q=pranav.furedi.10198@", &[10198]),
        ("q=10198", &[10198]),
        ("q=500010", &[]),
        ("q=100%25_", &[600003]),
        ("q=10%25", &[]),
        ("department=d003&title=Manager", &[500003]),
        (
            "hired_from=2000-11-25&hired_to=2000-12-18",
            &[500036, 500025],
        ),
        ("department=d002&hired_to=1986-01-01&q=f", &[500033]),
    ];
    for (query, expected) in cases {
        let reply = get_as(&app, &token, &format!("/employees?limit=100&{query}")).await;
        assert_eq!(reply.status, StatusCode::OK, "{query}: {}", reply.text());
        let mut got = emp_nos(&reply);
        let mut expected = expected.to_vec();
        got.sort_unstable();
        expected.sort_unstable();
        assert_eq!(got, expected, "{query}");
    }
    // `_` is literal: "behai_" does not match "behai" followed by any character other than `_`.
    let reply = get_as(&app, &token, "/employees?q=pranav_").await;
    assert!(emp_nos(&reply).is_empty());
    let staff = get_as(&app, &token, "/departments/d005/employees?limit=100").await;
    let mut staff = emp_nos(&staff);
    staff.sort_unstable();
    assert_eq!(staff, [10198, 500005, 500018, 500027, 500036, 500222]);
    let unknown = get_as(&app, &token, "/departments/d999/employees").await;
    assert_eq!(unknown.status, StatusCode::NOT_FOUND);
    let former = get_as(&app, &token, "/departments/d005/employees?status=former").await;
    assert_eq!(former.status, StatusCode::BAD_REQUEST);
    assert!(
        former.json()["detail"]
            .as_str()
            .unwrap()
            .starts_with("status")
    );
}
dual_test!(filters, every_filter_narrows_as_documented);

async fn bad_parameters_are_400_naming_them(db: Db) {
    seeded(&db).await;
    let app = employees::app(state(db).await);
    let token = token_for(&app, PRANAV, "directory").await;
    for (query, named) in [
        ("limit=0", "limit"),
        ("limit=101", "limit"),
        ("limit=ten", "limit"),
        ("limit=-1", "limit"),
        ("status=retired", "status"),
        ("hired_from=2000-13-01", "hired_from"),
        ("hired_to=yesterday", "hired_to"),
        ("hired_from=2001-01-01&hired_to=2000-01-01", "hired_from"),
        ("department=development", "department"),
        ("q=a&q=b", "q"),
        (&format!("q={}", "x".repeat(101)), "q"),
        (&format!("title={}", "x".repeat(51)), "title"),
    ] {
        let reply = get_as(&app, &token, &format!("/employees?{query}")).await;
        assert_eq!(
            reply.status,
            StatusCode::BAD_REQUEST,
            "{query}: {}",
            reply.text()
        );
        let detail = reply.json()["detail"].as_str().unwrap().to_owned();
        assert!(detail.contains(named), "{query}: {detail}");
    }
}
dual_test!(bad_parameters, bad_parameters_are_400_naming_them);
