//! Driving Debian's headless Chromium through chromedriver (fantoccini): the browser, the
//! service on a real socket, and small steps that fail with a message instead of a panic.

use std::{
    net::SocketAddr,
    process::{Child, Command, Stdio},
    time::Duration,
};

use fantoccini::{Client, ClientBuilder, Locator};
use hyper_util::client::legacy::connect::HttpConnector;
use serde_json::json;

use crate::ops::binary::free_port;

pub(crate) const WAIT: Duration = Duration::from_secs(20);

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
