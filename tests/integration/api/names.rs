//! Names, titles and emails as they are written (a hire, a promotion; the API and the form):
//! no control characters, and emails that are addresses. Each refusal is `422` naming the field.

use axum::http::StatusCode;
use employees::db::Db;
use serde_json::{Value, json};

use crate::{
    api::hr::{hr_token, post_as},
    common::*,
};

fn ada() -> Value {
    json!({
        "first_name": "Ada", "last_name": "Lovelace", "gender": "F",
        "birth_date": "1990-12-10", "hire_date": "2024-01-02", "dept_no": "d005",
        "title": "Engineer", "salary": 65000, "password": "correct horse battery",
    })
}

async fn employee_count(db: &Db) -> i64 {
    employees::dispatch!(db, pool => {
        sqlx::query_scalar("SELECT COUNT(*) FROM employees").fetch_one(pool).await.unwrap()
    })
}

async fn control_characters_and_bad_emails_are_refused(db: Db) {
    seeded(&db).await;
    let app = employees::app(state(db.clone()).await);
    let hr = hr_token(&app, &db).await;
    let before = employee_count(&db).await;
    let refused: Vec<(&str, &str)> = vec![
        ("first_name", "Ada\u{0}"),
        ("first_name", "A\u{7}da"),
        ("last_name", "Love\nlace"),
        ("last_name", "\u{1b}[31mLovelace"),
        ("last_name", "Love\u{202e}lace"),
        ("title", "Engi\u{0}neer"),
        ("email", "ada\u{0}@example.com"),
        ("email", "ada@exam\u{7f}ple.com"),
        ("email", "ada"),
        ("email", "@example.com"),
        ("email", "ada@"),
        ("email", ".ada@example.com"),
        ("email", "ada.@example.com"),
        ("email", "a..da@example.com"),
        ("email", "ada@example..com"),
        ("email", "ada@.example.com"),
        ("email", "ada@example.com."),
        ("email", "ada@-example.com"),
        ("email", "ada@example-.com"),
        ("email", "ada@exa_mple.com"),
        ("email", "ada@localhost"),
        ("email", "ada@example.123"),
        ("email", "ada(x)@example.com"),
        ("email", "\"ada\"@example.com"),
        ("email", "ada@[127.0.0.1]"),
        ("email", "a<da>@example.com"),
    ];
    for (field, value) in &refused {
        let mut body = ada();
        body[*field] = json!(value);
        let reply = post_as(&app, &hr, "/employees", body).await;
        assert_eq!(
            reply.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{field} {value:?}: {}",
            reply.text()
        );
        assert_eq!(reply.json()["errors"][0]["field"], *field, "{value:?}");
    }
    let long_local = format!("{}@example.com", "a".repeat(65));
    let long_label = format!("ada@{}.com", "b".repeat(64));
    for email in [long_local, long_label] {
        let mut body = ada();
        body["email"] = json!(email);
        let reply = post_as(&app, &hr, "/employees", body).await;
        assert_eq!(reply.status, StatusCode::UNPROCESSABLE_ENTITY, "{email}");
    }
    // A promotion's title, and the hire form, by the same rules.
    let reply = post_as(
        &app,
        &hr,
        "/employees/10198/title",
        json!({"title": "Staff\u{0}", "from_date": "2024-01-01"}),
    )
    .await;
    assert_eq!(reply.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(reply.json()["errors"][0]["field"], "title");
    let form_body = "first_name=Ada%00&last_name=Lovelace&gender=F&birth_date=1990-12-10\
        &hire_date=2024-01-02&dept_no=d005&title=Engineer&salary=65000\
        &password=correct+horse+battery";
    let reply = send(&app, with_cookie(form("/directory/hire", form_body), &hr)).await;
    assert_eq!(
        reply.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        reply.text()
    );
    assert_eq!(employee_count(&db).await, before, "nobody was hired");

    // Names that make no default address need an email of their own.
    let mut body = ada();
    body["first_name"] = json!("J. R.");
    let reply = post_as(&app, &hr, "/employees", body.clone()).await;
    assert_eq!(
        reply.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        reply.text()
    );
    assert_eq!(reply.json()["errors"][0]["field"], "email");
    assert_eq!(employee_count(&db).await, before, "nobody was hired");
    body["email"] = json!("jr@example.com");
    let reply = post_as(&app, &hr, "/employees", body).await;
    assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.text());

    // What is an address is taken (stored lower case); names keep their letters and spaces.
    for (email, first_name) in [
        ("Ada.King+work@Example.co.uk", "Ada Augusta"),
        ("o'brien_x-1@mail-host.example.org", "Zoë"),
    ] {
        let mut body = ada();
        body["email"] = json!(email);
        body["first_name"] = json!(first_name);
        let reply = post_as(&app, &hr, "/employees", body).await;
        assert_eq!(
            reply.status,
            StatusCode::CREATED,
            "{email}: {}",
            reply.text()
        );
        assert_eq!(reply.json()["email"], email.to_lowercase());
        assert_eq!(reply.json()["first_name"], first_name);
    }
}
dual_test!(refused, control_characters_and_bad_emails_are_refused);
