//! A real headless Chromium (Debian's `chromium` and `chromium-driver`) logs in through our login
//! page and through Swagger UI's Authorize button, against the service on a real socket.

use std::{
    net::SocketAddr,
    process::{Child, Command, Stdio},
    time::Duration,
};

use employees::db::Db;
use fantoccini::{Client, ClientBuilder, Locator};
use hyper_util::client::legacy::connect::HttpConnector;
use serde_json::json;

use crate::{
    common::{BEHAI, seeded, state},
    ops::binary::free_port,
};

const WAIT: Duration = Duration::from_secs(20);

/// chromedriver, killed when dropped.
pub(crate) struct Driver(Child, u16);

impl Drop for Driver {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

pub(crate) async fn start_browser() -> (Driver, Client) {
    let chromedriver =
        std::env::var("CHROMEDRIVER").unwrap_or_else(|_| "/usr/bin/chromedriver".into());
    let chromium = std::env::var("CHROMIUM").unwrap_or_else(|_| "/usr/bin/chromium".into());
    assert!(
        std::path::Path::new(&chromedriver).exists() && std::path::Path::new(&chromium).exists(),
        "the browser test needs Chromium: apt-get install chromium chromium-driver (scripts/test does it as root)"
    );
    let port = free_port();
    let child = Command::new(&chromedriver)
        .arg(format!("--port={port}"))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("chromedriver starts");
    let driver = Driver(child, port);
    let profile = tempfile::tempdir().unwrap();
    let mut capabilities = serde_json::Map::new();
    capabilities.insert(
        "goog:chromeOptions".into(),
        json!({
            "binary": chromium,
            "args": [
                "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                "--disable-quic", "--no-first-run", "--disable-background-networking",
                "--disable-component-update", "--disable-sync", "--window-size=1280,1024",
                format!("--user-data-dir={}", profile.keep().display()),
            ],
        }),
    );
    let url = format!("http://127.0.0.1:{}", driver.1);
    let mut last_error = None;
    for _ in 0..50 {
        match ClientBuilder::new(HttpConnector::new())
            .capabilities(capabilities.clone())
            .connect(&url)
            .await
        {
            Ok(client) => return (driver, client),
            Err(error) => last_error = Some(error),
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    panic!("cannot start a Chromium session: {last_error:?}");
}

async fn serve(db: Db) -> SocketAddr {
    serve_state(state(db).await).await
}

/// Serves an app on a free port of its own.
pub(crate) async fn serve_state(state: employees::state::AppState) -> SocketAddr {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, employees::app(state)).await.unwrap() });
    address
}

pub(crate) type Step<T> = Result<T, String>;

pub(crate) async fn element(client: &Client, css: &str) -> Step<fantoccini::elements::Element> {
    client
        .wait()
        .at_most(WAIT)
        .for_element(Locator::Css(css))
        .await
        .map_err(|e| format!("waiting for {css}: {e}"))
}

pub(crate) async fn text_of(client: &Client, css: &str) -> Step<String> {
    element(client, css)
        .await?
        .text()
        .await
        .map_err(|e| format!("text of {css}: {e}"))
}

pub(crate) async fn click(client: &Client, css: &str) -> Step<()> {
    element(client, css)
        .await?
        .click()
        .await
        .map_err(|e| format!("clicking {css}: {e}"))
}

pub(crate) async fn type_into(client: &Client, css: &str, text: &str) -> Step<()> {
    element(client, css)
        .await?
        .send_keys(text)
        .await
        .map_err(|e| format!("typing into {css}: {e}"))
}

pub(crate) async fn wait_for_url(client: &Client, url: &str) -> Step<()> {
    let url = url::Url::parse(url).map_err(|e| e.to_string())?;
    client
        .wait()
        .at_most(WAIT)
        .for_url(&url)
        .await
        .map_err(|e| format!("waiting for {url}: {e}"))
}

pub(crate) async fn wait_for_url_with(client: &Client, part: &str) -> Step<()> {
    let deadline = std::time::Instant::now() + WAIT;
    loop {
        if cmd(client.current_url().await)?.as_str().contains(part) {
            return Ok(());
        }
        if std::time::Instant::now() > deadline {
            return Err(format!("waiting for a URL with {part}"));
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
}

pub(crate) fn cmd<T>(result: Result<T, fantoccini::error::CmdError>) -> Step<T> {
    result.map_err(|e| e.to_string())
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
    click(client, "#operations-users-me .opblock-summary").await?;
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
    click(client, "#operations-auth-token .opblock-summary").await?;
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
