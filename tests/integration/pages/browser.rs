//! A real headless Chromium (Debian's `chromium` and `chromium-driver`) logs in through our login
//! page and through Swagger UI's Authorize button, against the service on a real socket.

use std::net::SocketAddr;

use employees::db::Db;
use fantoccini::{Client, Locator};
use serde_json::json;

use crate::{
    common::{BEHAI, seeded, state},
    pages::chromium::*,
};

/// The service on a real socket, seeded.
async fn serve(db: Db) -> SocketAddr {
    serve_state(state(db).await).await
}

#[sqlx::test(migrator = "employees::db::MYSQL_MIGRATOR")]
async fn chromium_logs_in_through_the_page_and_swagger_ui(pool: sqlx::MySqlPool) {
    let db = Db::MySql(pool);
    seeded(&db).await;
    let base = format!("http://{}", serve(db).await);
    let (_driver, client) = start_browser().await;
    let result = drive(&client, &base).await;
    if result.is_err() {
        // Leave a picture of the failure for whoever reads the CI log.
        if let Ok(png) = client.screenshot().await {
            let _ = std::fs::write(
                std::env::temp_dir().join("employees-browser-failure.png"),
                png,
            );
        }
    }
    let _ = client.close().await;
    if let Err(step) = result {
        panic!(
            "{step} (screenshot in {}/employees-browser-failure.png)",
            std::env::temp_dir().display()
        );
    }
}

async fn drive(client: &Client, base: &str) -> Step<()> {
    on_a_phone(client, base).await?;
    // 1. Our login page: a wrong password first, then the right one.
    cmd(client.goto(&format!("{base}/login")).await)?;
    type_into(client, "#username", BEHAI).await?;
    type_into(client, "#password", "wrong").await?;
    click(client, "button[type=submit]").await?;
    assert_eq!(
        text_of(client, "#error").await?,
        "Incorrect username or password"
    );
    let kept = cmd(element(client, "#username").await?.prop("value").await)?;
    assert_eq!(kept.as_deref(), Some(BEHAI), "the email is kept");
    type_into(client, "#password", "password").await?;
    click(client, "button[type=submit]").await?;
    wait_for_url(client, &format!("{base}/")).await?;
    assert_eq!(text_of(client, "#email").await?, BEHAI);
    assert_eq!(text_of(client, "#department").await?, "Development");
    assert_eq!(text_of(client, "#title").await?, "Senior Engineer");
    // The cookie is HttpOnly: page scripts cannot read the token.
    let visible = cmd(client.execute("return document.cookie", vec![]).await)?;
    assert_eq!(visible, json!(""));

    // The directory: search from the form, open a record (HR sees salaries), then home again.
    click(client, "#directory-link").await?;
    wait_for_url(client, &format!("{base}/directory")).await?;
    type_into(client, "#q", "furedi").await?;
    click(client, ".search button").await?;
    // The unfiltered list already shows Furedi: wait for the search's own page first, or the
    // link found may belong to the page being left.
    wait_for_url_with(client, "q=furedi").await?;
    let found = "//table[@id='results']//a[contains(., 'Furedi')]";
    let found = client
        .wait()
        .at_most(WAIT)
        .for_element(fantoccini::Locator::XPath(found))
        .await;
    cmd(cmd(found)?.click().await)?;
    wait_for_url(client, &format!("{base}/directory/10198")).await?;
    assert_eq!(text_of(client, "#name").await?, "Pranav Furedi");
    assert!(text_of(client, "#salaries").await?.contains("Salary"));
    cmd(client.goto(&format!("{base}/")).await)?;

    // Logout: back to the login page, and the home page is closed again.
    click(client, "form[action='/logout'] button").await?;
    wait_for_url(client, &format!("{base}/login")).await?;
    cmd(client.goto(&format!("{base}/")).await)?;
    assert!(
        cmd(client.current_url().await)?
            .as_str()
            .ends_with("/login")
    );

    // 2. Swagger UI: Authorize with email and password, then call GET /users/me.
    cmd(client.goto(&format!("{base}/docs/")).await)?;
    click(client, ".auth-wrapper .authorize").await?;
    type_into(client, "#oauth_username", BEHAI).await?;
    type_into(client, "#oauth_password", "password").await?;
    // The dialog also lists the cookie scheme: press the oauth2 block's own Authorize button.
    click(
        client,
        ".auth-container:has(#oauth_username) .auth-btn-wrapper .authorize",
    )
    .await?;
    // Authorized: the block now offers Logout instead of Authorize.
    cmd(client
        .wait()
        .at_most(WAIT)
        .for_element(Locator::XPath(
            "//div[contains(@class,'auth-container')]//button[normalize-space()='Logout']",
        ))
        .await)?;
    click(client, ".btn-done").await?;
    click(client, "#operations-users-me .opblock-summary-control").await?;
    click(client, "#operations-users-me .try-out__btn").await?;
    click(client, "#operations-users-me .execute").await?;
    let status = text_of(
        client,
        "#operations-users-me .live-responses-table tbody .response-col_status",
    )
    .await?;
    assert_eq!(status.trim(), "200", "Swagger UI's call to /users/me");
    let body = text_of(
        client,
        "#operations-users-me .live-responses-table .microlight",
    )
    .await?;
    assert!(body.contains("\"emp_no\": 500222"), "{body}");

    // 3. Swagger UI's Try it out on POST /token, in both content types, with nothing filled in
    // but username and password: no placeholder is sent, the token comes back.
    click(client, "#operations-auth-token .opblock-summary-control").await?;
    click(client, "#operations-auth-token .try-out__btn").await?;
    try_token(client).await?; // JSON, the first offered: the example body as it comes
    let content_type = "#operations-auth-token .body-param-content-type select";
    cmd(element(client, content_type)
        .await?
        .select_by_value("application/x-www-form-urlencoded")
        .await)?;
    for (field, value) in [("username", BEHAI), ("password", "password")] {
        let input = element(
            client,
            &format!("#operations-auth-token tr[data-property-name='{field}'] input"),
        )
        .await?;
        cmd(input.clear().await)?;
        cmd(input.send_keys(value).await)?;
    }
    try_token(client).await
}

/// Presses Execute on POST /token and expects a token.
async fn try_token(client: &Client) -> Step<()> {
    click(client, "#operations-auth-token .execute").await?;
    let status = text_of(
        client,
        "#operations-auth-token .live-responses-table tbody .response-col_status",
    )
    .await?;
    let body = text_of(
        client,
        "#operations-auth-token .live-responses-table .microlight",
    )
    .await?;
    assert_eq!(status.trim(), "200", "Try it out on /token: {body}");
    assert!(body.contains("access_token"), "{body}");
    // Clear the answer, so that the next Execute is read afresh.
    click(client, "#operations-auth-token .btn-clear").await
}

/// Whether anything on the page is wider than the viewport (a phone would scroll sideways).
const OVERFLOWS: &str = "const width = document.documentElement.clientWidth;
    return document.documentElement.scrollWidth > width
        || [...document.querySelectorAll('body *')].some(e => e.getBoundingClientRect().right > width + 0.5);";

/// The longest email in seed/: it must wrap, not widen the page.
const LONGEST_EMAIL: &str = "karsten.pietracaprina.500031@gmail.com";

/// The pages at a phone's width (390 px): nothing wider than the viewport, even the longest
/// seeded email; one link to the API documentation on the login page.
async fn on_a_phone(client: &Client, base: &str) -> Step<()> {
    cmd(client.set_window_size(390, 844).await)?;
    cmd(client.goto(&format!("{base}/login")).await)?;
    let width = cmd(client
        .execute("return document.documentElement.clientWidth", vec![])
        .await)?;
    assert!(width.as_u64().is_some_and(|w| w <= 390), "viewport {width}");
    assert_eq!(
        cmd(client.execute(OVERFLOWS, vec![]).await)?,
        json!(false),
        "login page overflows"
    );
    let docs_links = "return document.querySelectorAll('a[href=\"/docs\"]').length";
    assert_eq!(
        cmd(client.execute(docs_links, vec![]).await)?,
        json!(1),
        "one docs link"
    );
    type_into(client, "#username", LONGEST_EMAIL).await?;
    type_into(client, "#password", "password").await?;
    click(client, "button[type=submit]").await?;
    wait_for_url(client, &format!("{base}/")).await?;
    assert_eq!(text_of(client, "#email").await?, LONGEST_EMAIL);
    assert_eq!(
        cmd(client.execute(OVERFLOWS, vec![]).await)?,
        json!(false),
        "home page overflows"
    );
    for page in [
        "/directory?limit=30",
        "/directory/10198",
        "/departments",
        "/departments/d005",
        "/password-reset",
        "/password-reset/a-link-that-is-no-token",
    ] {
        cmd(client.goto(&format!("{base}{page}")).await)?;
        assert_eq!(
            cmd(client.execute(OVERFLOWS, vec![]).await)?,
            json!(false),
            "{page} overflows on a phone"
        );
    }
    cmd(client.goto(&format!("{base}/")).await)?;
    click(client, "form[action='/logout'] button").await?;
    wait_for_url(client, &format!("{base}/login")).await?;
    cmd(client.set_window_size(1280, 1024).await)?;
    Ok(())
}
