//! The HR forms of `/directory/{emp_no}` on both backends: shown to `hr` only, a change posted as
//! a form (303 back to the page), a refusal shown in its form with what was typed, a stale page
//! refused (412), cross-site posts refused.

use axum::{Router, http::StatusCode};
use employees::db::Db;

use crate::{api::directory::get_as, api::hr::hr_token, common::*};

fn page(uri: &str, token: &str) -> axum::http::Request<axum::body::Body> {
    let mut request = with_cookie(get(uri), token);
    request
        .headers_mut()
        .insert("accept", "text/html".parse().unwrap());
    request
}

async fn post_form(app: &Router, token: &str, uri: &str, body: &str, site: &str) -> Reply {
    let mut request = with_cookie(browser_form(uri, body), token);
    request
        .headers_mut()
        .insert("sec-fetch-site", site.parse().unwrap());
    send(app, request).await
}

fn encoded(value: &str) -> String {
    serde_urlencoded::to_string([("v", value)]).unwrap()[2..].to_owned()
}

async fn hr_changes_from_the_record_page(db: Db) {
    seeded(&db).await;
    let app = employees::app(state(db.clone()).await);
    let hr = hr_token(&app, &db).await;
    let hr_session = login(&app, &email_of(&db, HR_EMP_NO).await).await;
    let pranav = login(&app, PRANAV).await;

    let shown = send(&app, page("/directory/10198", &hr_session)).await;
    assert_eq!(shown.status, StatusCode::OK);
    for form in [
        "form-title",
        "form-department",
        "form-salary",
        "form-manager",
        "form-termination",
    ] {
        assert!(shown.text().contains(&format!("id=\"{form}\"")), "{form}");
    }
    let own = send(&app, page("/directory/500018", &pranav)).await;
    assert!(!own.text().contains("form-title"), "no forms without hr");

    let tag = get_as(&app, &hr, "/employees/10198")
        .await
        .header("etag")
        .unwrap()
        .to_owned();
    let body = format!("title=Staff&from_date=2020-01-01&etag={}", encoded(&tag));
    let done = post_form(
        &app,
        &hr_session,
        "/directory/10198/title",
        &body,
        "same-origin",
    )
    .await;
    assert_eq!(done.status, StatusCode::SEE_OTHER, "{}", done.text());
    assert_eq!(done.header("location"), Some("/directory/10198"));
    assert_eq!(
        get_as(&app, &hr, "/employees/10198").await.json()["title"],
        "Staff"
    );

    // The same page again: the tag is stale now.
    let body = format!("salary=99000&from_date=2020-02-01&etag={}", encoded(&tag));
    let stale = post_form(
        &app,
        &hr_session,
        "/directory/10198/salary",
        &body,
        "same-origin",
    )
    .await;
    assert_eq!(stale.status, StatusCode::PRECONDITION_FAILED);
    assert!(
        stale.text().contains("Someone changed this employee"),
        "{}",
        stale.text()
    );
    assert!(
        stale.text().contains("value=\"99000\""),
        "what was typed is kept"
    );

    let bad = post_form(
        &app,
        &hr_session,
        "/directory/10198/title",
        "title=&from_date=",
        "same-origin",
    )
    .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(bad.text().contains("role=\"alert\""), "{}", bad.text());
    let early = post_form(
        &app,
        &hr_session,
        "/directory/10198/department",
        "dept_no=d004&from_date=1980-01-01",
        "same-origin",
    )
    .await;
    assert_eq!(early.status, StatusCode::CONFLICT);
    assert!(
        early
            .text()
            .contains("after the start of the current department")
    );

    // Cross-site, no session, no `hr`: refused, nothing changed.
    let cross = post_form(
        &app,
        &hr_session,
        "/directory/10198/title",
        "title=Evil&from_date=2021-01-01",
        "cross-site",
    )
    .await;
    assert_eq!(cross.status, StatusCode::FORBIDDEN);
    let anonymous = send(
        &app,
        browser_form("/directory/10198/title", "title=Evil&from_date=2021-01-01"),
    )
    .await;
    assert_eq!(anonymous.status, StatusCode::SEE_OTHER);
    assert!(anonymous.header("location").unwrap().starts_with("/login"));
    let not_hr = post_form(
        &app,
        &pranav,
        "/directory/10198/title",
        "title=Evil&from_date=2021-01-01",
        "same-origin",
    )
    .await;
    assert_eq!(not_hr.status, StatusCode::FORBIDDEN);
    assert_eq!(
        get_as(&app, &hr, "/employees/10198").await.json()["title"],
        "Staff"
    );
}
dual_test!(hr_forms, hr_changes_from_the_record_page);

async fn a_hire_from_its_page(db: Db) {
    seeded(&db).await;
    let app = employees::app(state(db.clone()).await);
    let hr_session = login(&app, &email_of(&db, HR_EMP_NO).await).await;
    let pranav = login(&app, PRANAV).await;
    assert!(
        send(&app, page("/directory", &hr_session))
            .await
            .text()
            .contains("id=\"hire-link\"")
    );
    assert!(
        !send(&app, page("/directory", &pranav))
            .await
            .text()
            .contains("hire-link")
    );
    let form = send(&app, page("/directory/hire", &hr_session)).await;
    assert_eq!(form.status, StatusCode::OK);
    assert!(form.text().contains("id=\"form-hire\""));
    assert_eq!(
        send(&app, page("/directory/hire", &pranav)).await.status,
        StatusCode::FORBIDDEN
    );

    let fields = "first_name=Ada&last_name=Lovelace&gender=F&birth_date=1990-12-10&dept_no=d005\
                  &title=Engineer&salary=65000&email=&password=secret-horse-battery";
    let refused = post_form(
        &app,
        &hr_session,
        "/directory/hire",
        &format!("{fields}&hire_date=2999-01-01"),
        "same-origin",
    )
    .await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    let text = refused.text();
    assert!(
        text.contains("hire date: must not be after today"),
        "{text}"
    );
    assert!(
        text.contains("value=\"Lovelace\""),
        "what was typed is kept"
    );
    assert!(!text.contains("secret-horse-battery"), "never the password");

    let hired = post_form(
        &app,
        &hr_session,
        "/directory/hire",
        &format!("{fields}&hire_date=2024-01-02"),
        "same-origin",
    )
    .await;
    assert_eq!(hired.status, StatusCode::SEE_OTHER, "{}", hired.text());
    assert_eq!(hired.header("location"), Some("/directory/500223"));
    let login = post_token(
        &app,
        "username=ada.lovelace.500223@gmail.com&password=secret-horse-battery",
    )
    .await;
    assert_eq!(login.status, StatusCode::OK);
}
dual_test!(hire_form, a_hire_from_its_page);
