//! The directory's browser pages: the login round trip, the rules of the API, escaping, the
//! HTML/JSON negotiation of `/departments`.

use axum::{body::Body, http::Request, http::StatusCode};
use employees::db::Db;

use crate::{api::directory::token_for, common::*};

const HTML: &str = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8";

fn page(uri: &str, token: Option<&str>) -> Request<Body> {
    let mut request = get(uri);
    request
        .headers_mut()
        .insert("accept", HTML.parse().unwrap());
    match token {
        Some(token) => with_cookie(request, token),
        None => request,
    }
}

async fn pages_need_a_session_and_come_back_after_login(db: Db) {
    seeded(&db).await;
    let app = employees::app(state(db).await);
    for (uri, next) in [
        ("/directory?q=s&limit=5", "%2Fdirectory%3Fq%3Ds%26limit%3D5"),
        ("/directory/10198", "%2Fdirectory%2F10198"),
        ("/departments", "%2Fdepartments"),
        ("/departments/d005", "%2Fdepartments%2Fd005"),
    ] {
        let reply = send(&app, page(uri, None)).await;
        assert_eq!(reply.status, StatusCode::SEE_OTHER, "{uri}");
        assert_eq!(
            reply.header("location"),
            Some(format!("/login?next={next}").as_str())
        );
    }
    // An API client (no text/html) gets the API's 401, not a redirect.
    assert_eq!(
        send(&app, get("/departments")).await.status,
        StatusCode::UNAUTHORIZED
    );
    // The login form sends the browser back to the page it asked for.
    let reply = send(
        &app,
        browser_form(
            "/token",
            &format!("username={PRANAV}&password=password&next=%2Fdirectory%3Fq%3Ds"),
        ),
    )
    .await;
    assert_eq!(reply.status, StatusCode::SEE_OTHER);
    assert_eq!(reply.header("location"), Some("/directory?q=s"));
}
dual_test!(page_login, pages_need_a_session_and_come_back_after_login);

async fn directory_page_searches_pages_and_escapes(db: Db) {
    seeded(&db).await;
    employees::dispatch!(&db, pool => {
        sqlx::query("INSERT INTO employees (emp_no, birth_date, first_name, last_name, gender, hire_date) VALUES (600100, '1970-01-01', '<script>x', 'Sa\"&<b>', 'M', '2000-01-01')")
            .execute(pool).await.unwrap();
        sqlx::query("INSERT INTO dept_emp VALUES (600100, 'd001', '2000-01-01', '9999-01-01')")
            .execute(pool).await.unwrap();
    });
    let app = employees::app(state(db).await);
    let token = token_for(&app, PRANAV, "").await;
    let reply = send(&app, page("/directory?q=s&limit=3", Some(&token))).await;
    assert_eq!(reply.status, StatusCode::OK);
    let html = reply.text();
    assert!(html.contains("id=\"results\""));
    assert_eq!(
        html.matches("<a href=\"/directory/").count(),
        3,
        "three results"
    );
    assert!(
        html.contains("value=\"s\""),
        "the query is kept in the form"
    );
    let next = html.split("id=\"next-page\"").next().unwrap();
    let next = next
        .rsplit("href=\"")
        .next()
        .unwrap()
        .split('"')
        .next()
        .unwrap();
    // askama escapes `&` in attributes (as `&#38;`), which the browser reads back as `&`.
    let next = next.replace("&#38;", "&").replace("&amp;", "&");
    assert!(next.starts_with("/directory?q=s&limit=3&cursor="), "{next}");
    let second = send(&app, page(&next, Some(&token))).await;
    assert_eq!(second.status, StatusCode::OK);
    assert!(second.text().contains("<a href=\"/directory/"));
    // Names are escaped, never markup.
    let reply = send(&app, page("/directory?q=sa%22", Some(&token)))
        .await
        .text();
    assert!(
        !reply.contains("<script>x") && !reply.contains("<b>"),
        "{reply}"
    );
    assert!(
        reply.contains("&lt;script&gt;x") || reply.contains("&#60;script&#62;x"),
        "{reply}"
    );
    // A bad parameter is shown in the page, status 400.
    let reply = send(&app, page("/directory?limit=1000", Some(&token))).await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST);
    assert!(reply.text().contains("limit: an integer from 1 to 100"));
    // Only HR may ask for former employees; the status filter is shown to HR only.
    assert!(!reply.text().contains("name=\"status\""));
    let hr = token_for(&app, BEHAI, "").await;
    let reply = send(&app, page("/directory?status=former", Some(&hr))).await;
    assert_eq!(reply.status, StatusCode::OK);
    assert!(reply.text().contains("name=\"status\"") && reply.text().contains("(former)"));
}
dual_test!(directory_page, directory_page_searches_pages_and_escapes);

async fn record_and_department_pages_follow_the_rules(db: Db) {
    seeded(&db).await;
    let app = employees::app(state(db).await);
    let pranav = token_for(&app, PRANAV, "").await;
    let own = send(&app, page("/directory/10198", Some(&pranav))).await;
    assert_eq!(own.status, StatusCode::OK);
    for part in [
        "id=\"birth-date\"",
        "id=\"salaries\"",
        "id=\"titles\"",
        "Senior Engineer",
    ] {
        assert!(own.text().contains(part), "{part}");
    }
    let other = send(&app, page("/directory/500005", Some(&pranav))).await;
    assert_eq!(other.status, StatusCode::OK);
    assert!(other.text().contains("id=\"card-only\"") && !other.text().contains("id=\"salaries\""));
    let former = send(
        &app,
        page(&format!("/directory/{FORMER_EMP_NO}"), Some(&pranav)),
    )
    .await;
    assert_eq!(former.status, StatusCode::NOT_FOUND);
    assert!(
        former.headers["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/html")
    );

    let list = send(&app, page("/departments", Some(&pranav))).await;
    assert_eq!(list.status, StatusCode::OK);
    assert!(list.text().contains("href=\"/departments/d005\"") && !list.text().contains("Payroll"));
    let hr = token_for(&app, BEHAI, "").await;
    assert!(
        send(&app, page("/departments", Some(&hr)))
            .await
            .text()
            .contains("Payroll")
    );
    let detail = send(&app, page("/departments/d005", Some(&pranav))).await;
    assert_eq!(detail.status, StatusCode::OK);
    assert!(detail.text().contains("Development") && detail.text().contains("id=\"managers\""));
    assert!(
        detail
            .text()
            .contains("href=\"/directory?department=d005\"")
    );
    let json = send(&app, with_cookie(get("/departments/d005"), &pranav)).await;
    assert_eq!(
        json.json()["dept_name"],
        "Development",
        "JSON unless HTML is asked for"
    );
    // The home page links to both.
    let home = send(&app, page("/", Some(&pranav))).await.text();
    assert!(home.contains("href=\"/directory\"") && home.contains("href=\"/departments\""));
}
dual_test!(record_pages, record_and_department_pages_follow_the_rules);
