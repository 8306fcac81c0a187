//! Passkeys in a real Chromium with its virtual authenticator (WebDriver's WebAuthn extension,
//! which chromedriver maps to CDP's `WebAuthn.addVirtualAuthenticator`): register one on the
//! account page, sign out, sign in with it from the login page, remove it.

use employees::{clock::Clock, db::Db, state::AppState};
use fantoccini::{Client, wd::WebDriverCompatibleCommand};
use serde_json::{Value, json};

use crate::{
    api::mfa,
    common::{BEHAI, Wiring, seeded, strong_session_token, wired, wiring},
    pages::chromium::*,
};

/// A WebDriver command of the WebAuthn extension (W3C WebAuthn §11), sent as it is.
#[derive(Debug)]
struct WebAuthnCommand {
    method: axum::http::Method,
    /// The path after `/session/{id}/`.
    path: String,
    body: Option<Value>,
}

impl WebDriverCompatibleCommand for WebAuthnCommand {
    fn endpoint(
        &self,
        base_url: &url::Url,
        session_id: Option<&str>,
    ) -> Result<url::Url, url::ParseError> {
        base_url.join(&format!(
            "session/{}/{}",
            session_id.unwrap_or_default(),
            self.path
        ))
    }

    fn method_and_body(&self, _: &url::Url) -> (axum::http::Method, Option<String>) {
        (
            self.method.clone(),
            self.body.as_ref().map(Value::to_string),
        )
    }
}

async fn webauthn(
    client: &Client,
    method: axum::http::Method,
    path: &str,
    body: Option<Value>,
) -> Step<Value> {
    let command = WebAuthnCommand {
        method,
        path: path.to_owned(),
        body,
    };
    client
        .issue_cmd(command)
        .await
        .map_err(|e| format!("webauthn {path}: {e}"))
}

/// Serves on `http://localhost:PORT` (a host name: WebAuthn refuses IP addresses), that also
/// being PUBLIC_URL; the same app as a router, and its clock.
async fn serve_at_localhost(db: &Db) -> (String, axum::Router, Clock, AppState) {
    let clock = Clock::system();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://localhost:{}", listener.local_addr().unwrap().port());
    let state = wired(
        db,
        Wiring {
            issuer: base.clone(),
            clock: clock.clone(),
            ..wiring()
        },
    )
    .await;
    let router = employees::app(state.clone());
    let served = state.clone();
    tokio::spawn(async move { axum::serve(listener, employees::app(served)).await.unwrap() });
    (base, router, clock, state)
}

async fn chromium_registers_and_signs_in_with_a_passkey(db: Db) {
    seeded(&db).await;
    let (base, router, clock, state) = serve_at_localhost(&db).await;
    let (_driver, client) = start_browser().await;
    let result = drive(&client, &base, &router, &clock, (&db, &state)).await;
    if result.is_err()
        && let Ok(png) = client.screenshot().await
    {
        let _ = std::fs::write(
            std::env::temp_dir().join("employees-passkey-failure.png"),
            png,
        );
    }
    let _ = client.close().await;
    if let Err(step) = result {
        panic!(
            "{step} (screenshot in {}/employees-passkey-failure.png)",
            std::env::temp_dir().display()
        );
    }
}
dual_test!(
    chromium_registers_and_signs_in_with_a_passkey,
    chromium_registers_and_signs_in_with_a_passkey
);

async fn drive(
    client: &Client,
    base: &str,
    router: &axum::Router,
    clock: &Clock,
    (db, state): (&Db, &AppState),
) -> Step<()> {
    cmd(client.goto(&format!("{base}/login")).await)?;
    let options = json!({
        "protocol": "ctap2", "transport": "internal", "hasResidentKey": true,
        "hasUserVerification": true, "isUserVerified": true,
    });
    let added = webauthn(
        client,
        axum::http::Method::POST,
        "webauthn/authenticator",
        Some(options),
    )
    .await?;
    let authenticator = added
        .as_str()
        .ok_or(format!("authenticator id: {added}"))?
        .to_owned();

    // Sign in with the password, register a passkey on the account page.
    type_into(client, "#username", BEHAI).await?;
    type_into(client, "#password", "password").await?;
    click(client, "#username ~ button[type=submit]").await?;
    wait_for_url(client, &format!("{base}/")).await?;
    click(client, "#account-link").await?;
    wait_for_url(client, &format!("{base}/account")).await?;
    text_of(client, "#no-passkeys").await?;
    type_into(client, "#passkey-name", "Virtual authenticator").await?;
    click(client, "#passkey-add-button").await?;
    let name = text_of(client, ".passkey-name").await?;
    if name != "Virtual authenticator" {
        return Err(format!("the new passkey is listed as {name:?}"));
    }
    let path = format!("webauthn/authenticator/{authenticator}/credentials");
    let held = webauthn(client, axum::http::Method::GET, &path, None).await?;
    if held[0]["isResidentCredential"] != json!(true) {
        return Err(format!("a discoverable credential is held: {held}"));
    }

    // Sign out; sign in with the passkey alone.
    cmd(client.goto(&format!("{base}/")).await)?;
    click(client, "form[action='/logout'] button").await?;
    wait_for_url_with(client, "/login").await?;
    click(client, "#passkey-signin").await?;
    wait_for_url(client, &format!("{base}/")).await?;
    let email = text_of(client, "#email").await?;
    if email != BEHAI {
        return Err(format!("signed in as {email}"));
    }

    // With TOTP on, the code page after the password offers the passkey instead of the code.
    // (From a session that used a second factor: the employee has the passkey already.)
    let token = strong_session_token(db, state, 500222).await;
    mfa::enrol(router, clock, &token).await;
    // Turning TOTP on ended the browser's session (every session but the enrolling one).
    cmd(client.goto(&format!("{base}/login")).await)?;
    wait_for_url_with(client, "/login").await?;
    type_into(client, "#username", BEHAI).await?;
    type_into(client, "#password", "password").await?;
    click(client, "#username ~ button[type=submit]").await?;
    click(client, "#passkey-mfa").await?;
    wait_for_url(client, &format!("{base}/")).await?;
    text_of(client, "#email").await?;

    // Remove it: the list is empty again, and the passkey signs in no more.
    click(client, "#account-link").await?;
    click(client, "button[data-remove-passkey]").await?;
    text_of(client, "#no-passkeys").await?;
    cmd(client.goto(&format!("{base}/")).await)?;
    click(client, "form[action='/logout'] button").await?;
    wait_for_url_with(client, "/login").await?;
    click(client, "#passkey-signin").await?;
    let refused = text_of(client, "#error").await?;
    if !refused.contains("not registered") {
        return Err(format!("a removed passkey: {refused:?}"));
    }
    Ok(())
}
