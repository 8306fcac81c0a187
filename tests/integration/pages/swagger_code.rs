//! Swagger UI's Authorize, clicked in a real headless Chromium against the service on a real
//! socket: the authorization code flow with PKCE (a popup through `/authorize` and our login
//! page, back through `oauth2-redirect.html`) and, in the same run, the password flow beside it.
//! Each call to `GET /users/me` is checked to carry the token of the flow just used.

use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};
use employees::{db::Db, service::jwt::FIRST_PARTY_CLIENT};
use fantoccini::{Client, Locator, wd::WindowHandle};
use serde_json::Value;

use crate::{
    common::{BEHAI, Wiring, seeded, wired, wiring},
    pages::chromium::*,
};

/// The code flow's block and the password flow's block of the Authorize dialog (XPath: their
/// inputs give way to asterisks once authorized, only the titles stay).
const CODE_BLOCK: &str =
    "//div[contains(@class,'auth-container')][.//h4[contains(.,'authorizationCode with PKCE')]]";
const PASSWORD_BLOCK: &str =
    "//div[contains(@class,'auth-container')][.//h4[contains(.,'(OAuth2, password)')]]";
/// A block's Authorize button, which says Logout once authorized.
const AUTHORIZE: &str =
    "//div[contains(@class,'auth-btn-wrapper')]/button[contains(@class,'authorize')]";

/// The service on a real socket, its issuer (PUBLIC_URL) that socket's base URL, so that Swagger
/// UI's redirect URL is the one the seeded `swagger-ui` client has registered.
async fn serve(db: Db) -> String {
    seeded(&db).await;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let state = wired(
        &db,
        Wiring {
            issuer: base.clone(),
            ..wiring()
        },
    )
    .await;
    state.clients.ensure_swagger_ui(&base).await.unwrap();
    tokio::spawn(async move { axum::serve(listener, employees::app(state)).await.unwrap() });
    base
}

async fn swagger_ui_authorizes_with_the_code_flow_and_the_password_flow(db: Db) {
    let backend = match &db {
        Db::MySql(_) => "mysql",
        Db::Sqlite(_) => "sqlite",
    };
    let base = serve(db).await;
    let (_driver, client) = start_browser().await;
    let result = drive(&client, &base).await;
    let picture = std::env::temp_dir().join(format!("employees-swagger-code-{backend}.png"));
    if result.is_err() {
        // The picture of whichever window was current when the step failed.
        if let Ok(png) = client.screenshot().await {
            let _ = std::fs::write(&picture, png);
        }
    }
    let _ = client.close().await;
    if let Err(step) = result {
        panic!("{step} (screenshot in {})", picture.display());
    }
}

dual_test!(
    chromium_authorizes_swagger_ui_with_code_and_pkce,
    swagger_ui_authorizes_with_the_code_flow_and_the_password_flow
);

async fn drive(client: &Client, base: &str) -> Step<()> {
    cmd(client.goto(&format!("{base}/docs/")).await)?;
    click(client, ".auth-wrapper .authorize").await?;

    // Both flows are offered, the code flow with PKCE and the seeded public client.
    for block in [CODE_BLOCK, PASSWORD_BLOCK] {
        xpath(client, block).await?;
    }
    let client_id = cmd(element(client, "#client_id_authorizationCode")
        .await?
        .prop("value")
        .await)?;
    if client_id.as_deref() != Some("swagger-ui") {
        return Err(format!("the code flow's client_id: {client_id:?}"));
    }

    // 1. The code flow: tick openid and me, Authorize opens a popup on our login page.
    for scope in ["openid", "me"] {
        let input = format!("#{scope}-authorizationCode-checkbox-oauth2_code");
        click(
            client,
            &format!("label[for={scope}-authorizationCode-checkbox-oauth2_code]"),
        )
        .await?;
        if !cmd(element(client, &input).await?.is_selected().await)? {
            return Err(format!("the box {scope} is not ticked"));
        }
    }
    let main = cmd(client.window().await)?;
    click_xpath(client, &format!("{CODE_BLOCK}{AUTHORIZE}")).await?;
    let popup = new_window(client, &main).await?;
    cmd(client.switch_to_window(popup.clone()).await)?;
    wait_for_url_with(client, "/login?next=%2Fauthorize").await?;
    type_into(client, "#username", BEHAI).await?;
    type_into(client, "#password", "password").await?;
    click(client, "button[type=submit]").await?;
    // The login comes back to /authorize, which redirects to oauth2-redirect.html, which hands
    // the code to Swagger UI and closes the popup.
    popup_closes(client, &popup).await?;
    cmd(client.switch_to_window(main).await)?;
    // Swagger UI redeemed the code at /token (with client_id and the PKCE verifier).
    logout_button(client, CODE_BLOCK).await?;
    let errors = cmd(client
        .find_all(Locator::Css(".auth-container .errors"))
        .await)?;
    if !errors.is_empty() {
        return Err("the Authorize dialog shows an error".into());
    }
    click(client, ".btn-done").await?;

    // The code flow's token: GET /users/me answers, and the token is the one issued to
    // swagger-ui with the boxes ticked.
    click(client, "#operations-users-me .opblock-summary-control").await?;
    click(client, "#operations-users-me .try-out__btn").await?;
    let claims = execute_users_me(client).await?;
    if claims["client_id"] != "swagger-ui" || claims["scope"] != "openid me" {
        return Err(format!("not the code flow's token: {claims}"));
    }

    // 2. The password flow: a scheme of its own, still logged out (its fields are offered, not
    // the code flow's login); log out of the code flow first so that only its token is sent.
    click(client, ".auth-wrapper .authorize").await?;
    element(client, "#oauth_username").await?;
    click_xpath(client, &format!("{CODE_BLOCK}{AUTHORIZE}")).await?;
    // Logged out: the code flow's fields are back.
    element(client, "#client_id_authorizationCode").await?;
    type_into(client, "#oauth_username", BEHAI).await?;
    type_into(client, "#oauth_password", "password").await?;
    click_xpath(client, &format!("{PASSWORD_BLOCK}{AUTHORIZE}")).await?;
    logout_button(client, PASSWORD_BLOCK).await?;
    click(client, ".btn-done").await?;
    click(client, "#operations-users-me .btn-clear").await?;
    let claims = execute_users_me(client).await?;
    if claims["client_id"] != FIRST_PARTY_CLIENT {
        return Err(format!("not the password flow's token: {claims}"));
    }
    Ok(())
}

async fn xpath(client: &Client, path: &str) -> Step<fantoccini::elements::Element> {
    client
        .wait()
        .at_most(WAIT)
        .for_element(Locator::XPath(path))
        .await
        .map_err(|e| format!("waiting for {path}: {e}"))
}

async fn click_xpath(client: &Client, path: &str) -> Step<()> {
    cmd(xpath(client, path).await?.click().await)
}

/// The window that is not `main`, once it has opened.
async fn new_window(client: &Client, main: &WindowHandle) -> Step<WindowHandle> {
    let deadline = std::time::Instant::now() + WAIT;
    loop {
        let windows = cmd(client.windows().await)?;
        if let Some(popup) = windows.into_iter().find(|window| window != main) {
            return Ok(popup);
        }
        if std::time::Instant::now() > deadline {
            return Err("Authorize opened no popup".into());
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
}

/// Waits until `popup` has closed itself; if it stays open, says where it stopped and what it
/// shows.
async fn popup_closes(client: &Client, popup: &WindowHandle) -> Step<()> {
    let deadline = std::time::Instant::now() + WAIT;
    loop {
        if !cmd(client.windows().await)?.contains(popup) {
            return Ok(());
        }
        if std::time::Instant::now() > deadline {
            let url = cmd(client.current_url().await)?;
            let text = cmd(client
                .execute("return document.body.innerText", vec![])
                .await)?;
            return Err(format!("the popup stayed open at {url}: {text}"));
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
}

/// Authorized: the block offers Logout instead of Authorize.
async fn logout_button(client: &Client, block: &str) -> Step<()> {
    let logout = xpath(client, &format!("{block}{AUTHORIZE}")).await?;
    let deadline = std::time::Instant::now() + WAIT;
    loop {
        let label = cmd(logout.text().await)?;
        if label.trim() == "Logout" {
            return Ok(());
        }
        if std::time::Instant::now() > deadline {
            let shown = cmd(xpath(client, block).await?.text().await)?;
            return Err(format!("not authorized ({label}): {shown}"));
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
}

/// Presses Execute on GET /users/me, expects 200 with Behai's record and returns the claims of
/// the bearer token Swagger UI sent (from its curl line).
async fn execute_users_me(client: &Client) -> Step<Value> {
    click(client, "#operations-users-me .execute").await?;
    let status = text_of(
        client,
        "#operations-users-me .live-responses-table tbody .response-col_status",
    )
    .await?;
    let body = text_of(
        client,
        "#operations-users-me .live-responses-table .microlight",
    )
    .await?;
    if status.trim() != "200" || !body.contains("\"emp_no\": 500222") {
        return Err(format!("GET /users/me in Swagger UI: {status} {body}"));
    }
    let curl = text_of(client, "#operations-users-me .curl-command").await?;
    let token = curl
        .split("Authorization: Bearer ")
        .nth(1)
        .and_then(|rest| rest.split(['\'', '"', ' ']).next())
        .ok_or_else(|| format!("no bearer token in {curl}"))?;
    let payload = token
        .split('.')
        .nth(1)
        .ok_or_else(|| format!("not a JWT: {token}"))?;
    let json = URL_SAFE_NO_PAD
        .decode(payload)
        .map_err(|e| format!("{e}: {payload}"))?;
    serde_json::from_slice(&json).map_err(|e| e.to_string())
}
