//! Dates a client sends: query dates outside years 1900 to 9999 are `400` naming the parameter,
//! never a panic (500); a hire's birth date outside 1900-01-01..today is `422`; `/audit?to=` the
//! last day the database can hold still ends the range at that day's end.

use axum::http::StatusCode;
use employees::db::Db;
use serde_json::json;

use crate::{
    api::directory::{get_as, token_for},
    api::hr::{hr_token, post_as},
    common::*,
};

/// Dates no column can hold (or that no test_db row could have), each a `400` naming its
/// parameter.
const OUT_OF_RANGE: [&str; 5] = [
    "-0001-01-01",
    "-262143-01-01",
    "0000-01-01",
    "0500-06-01",
    "1899-12-31",
];

async fn query_dates_out_of_range_are_400(db: Db) {
    seeded(&db).await;
    let app = employees::app(state(db.clone()).await);
    let hr = hr_token(&app, &db).await;
    let admin = token_for(&app, BEHAI, "admin").await;
    for date in OUT_OF_RANGE {
        for (token, uri, parameter) in [
            (&hr, format!("/employees?hired_from={date}"), "hired_from"),
            (&hr, format!("/employees?hired_to={date}"), "hired_to"),
            (
                &hr,
                format!("/departments/d005/employees?hired_from={date}"),
                "hired_from",
            ),
            (&admin, format!("/audit?from={date}"), "from"),
            (&admin, format!("/audit?to={date}"), "to"),
            (&admin, format!("/audit?from={date}T00:00:00Z"), "from"),
        ] {
            let reply = get_as(&app, token, &uri).await;
            assert_eq!(
                reply.status,
                StatusCode::BAD_REQUEST,
                "{uri}: {}",
                reply.text()
            );
            let detail = reply.json()["detail"].as_str().unwrap().to_owned();
            assert!(
                detail.starts_with(&format!("{parameter}:")),
                "{uri}: {detail}"
            );
            assert!(detail.contains("1900"), "the range is named: {detail}");
        }
        // The page shows the same refusal in its form.
        let mut page = with_cookie(get(&format!("/directory?hired_from={date}")), &hr);
        page.headers_mut()
            .insert("accept", "text/html".parse().unwrap());
        let reply = send(&app, page).await;
        assert_eq!(reply.status, StatusCode::BAD_REQUEST, "{date}");
        assert!(reply.text().contains("hired_from"), "{}", reply.text());
    }
    // The ends of the range are fine.
    for uri in [
        "/employees?hired_from=1900-01-01&hired_to=9999-12-31",
        "/departments/d005/employees?hired_to=9999-12-31",
    ] {
        assert_eq!(get_as(&app, &hr, uri).await.status, StatusCode::OK, "{uri}");
    }
}
dual_test!(query_dates, query_dates_out_of_range_are_400);

async fn audit_to_the_last_day_matches(db: Db) {
    seeded(&db).await;
    let app = employees::app(state(db).await);
    let admin = token_for(&app, BEHAI, "admin").await;
    let all = get_as(&app, &admin, "/audit").await.json();
    let count = all["items"].as_array().unwrap().len();
    assert!(count >= 1, "the admin's own login is on record: {all}");
    for uri in [
        "/audit?to=9999-12-31",
        "/audit?from=1900-01-01&to=9999-12-31",
        "/audit?to=9999-12-31T23:59:59.999999Z",
    ] {
        let reply = get_as(&app, &admin, uri).await;
        assert_eq!(reply.status, StatusCode::OK, "{uri}: {}", reply.text());
        assert_eq!(
            reply.json()["items"].as_array().unwrap().len(),
            count,
            "{uri}"
        );
    }
    // A moment that is past 9999 only in UTC is past every row, and so refused like one.
    let reply = get_as(&app, &admin, "/audit?from=9999-12-31T23:00:00-05:00").await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST, "{}", reply.text());
}
dual_test!(audit_last_day, audit_to_the_last_day_matches);

async fn a_birth_date_out_of_range_is_422(db: Db) {
    seeded(&db).await;
    let app = employees::app(state(db.clone()).await);
    let hr = hr_token(&app, &db).await;
    let tomorrow = (chrono::Utc::now().date_naive() + chrono::Days::new(1)).to_string();
    for birth_date in OUT_OF_RANGE
        .iter()
        .map(|date| date.to_string())
        .chain([tomorrow])
    {
        let body = json!({
            "first_name": "Ada", "last_name": "Lovelace", "gender": "F",
            "birth_date": birth_date, "hire_date": "2024-01-02", "dept_no": "d005",
            "title": "Engineer", "salary": 65000, "password": "correct horse battery",
        });
        let reply = post_as(&app, &hr, "/employees", body).await;
        assert_eq!(
            reply.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{birth_date}: {}",
            reply.text()
        );
        let body = reply.json();
        assert_eq!(body["detail"], "Invalid request body");
        assert_eq!(body["errors"][0]["field"], "birth_date", "{body}");
    }
    // Change dates are checked the same way, before anything is bound.
    for date in ["-0001-01-01", "0000-01-01"] {
        let reply = post_as(
            &app,
            &hr,
            "/employees/10198/title",
            json!({"title": "Staff", "from_date": date}),
        )
        .await;
        assert_eq!(reply.status, StatusCode::UNPROCESSABLE_ENTITY, "{date}");
        assert_eq!(reply.json()["errors"][0]["field"], "from_date");
    }
    let mut put = json(
        "/departments/d005/manager",
        json!({"emp_no": 10198, "from_date": "-0001-01-01"}),
    );
    *put.method_mut() = axum::http::Method::PUT;
    let reply = send(&app, with_bearer(put, &hr)).await;
    assert_eq!(
        reply.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        reply.text()
    );
}
dual_test!(birth_date, a_birth_date_out_of_range_is_422);
