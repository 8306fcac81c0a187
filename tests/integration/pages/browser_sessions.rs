//! Chromium stays logged in past the access token's lifetime: the token lives two seconds here,
//! the browser drops its cookie, and the next page is served through the refresh cookie, which
//! page scripts cannot read. Logout ends the session: the refresh cookie no longer renews.

use std::time::Duration;

use employees::db::Db;
use fantoccini::Client;
use serde_json::json;

use crate::{
    common::*,
    pages::chromium::{
        Step, click, cmd, serve_state, start_browser, text_of, type_into, wait_for_url,
    },
};

#[sqlx::test(migrator = "employees::db::MYSQL_MIGRATOR")]
async fn chromium_stays_logged_in_past_the_access_token(pool: sqlx::MySqlPool) {
    let db = Db::MySql(pool);
    seeded(&db).await;
    let access_lifetime = Duration::from_secs(2);
    let state = wired(
        &db,
        Wiring {
            access_lifetime,
            ..wiring()
        },
    )
    .await;
    let base = format!("http://{}", serve_state(state).await);
    let (_driver, client) = start_browser().await;
    let result = drive(&client, &base, &db).await;
    let _ = client.close().await;
    if let Err(step) = result {
        panic!("{step}");
    }
}

async fn cookie_names(client: &Client) -> Step<Vec<String>> {
    let cookies = cmd(client.get_all_cookies().await)?;
    let mut names: Vec<String> = cookies.iter().map(|c| c.name().to_owned()).collect();
    names.sort();
    Ok(names)
}

async fn drive(client: &Client, base: &str, db: &Db) -> Step<()> {
    cmd(client.goto(&format!("{base}/login")).await)?;
    type_into(client, "#username", PRANAV).await?;
    type_into(client, "#password", "password").await?;
    click(client, "button[type=submit]").await?;
    wait_for_url(client, &format!("{base}/")).await?;
    assert_eq!(text_of(client, "#email").await?, PRANAV);
    let visible = cmd(client.execute("return document.cookie", vec![]).await)?;
    assert_eq!(visible, json!(""), "both cookies are HttpOnly");

    // The access cookie is gone after its two seconds; the refresh cookie is not.
    tokio::time::sleep(Duration::from_secs(3)).await;
    assert_eq!(cookie_names(client).await?, ["device", "refresh_token"]);
    for page in ["/", "/directory", "/"] {
        cmd(client.goto(&format!("{base}{page}")).await)?;
        wait_for_url(client, &format!("{base}{page}")).await?;
        tokio::time::sleep(Duration::from_secs(3)).await;
    }
    assert_eq!(text_of(client, "#email").await?, PRANAV, "still logged in");
    // One session all along, renewed by each page: no login page in between.
    let count: i64 = employees::dispatch!(db, pool => {
        sqlx::query_scalar("SELECT COUNT(*) FROM sessions").fetch_one(pool).await.unwrap()
    });
    assert_eq!(count, 1);

    // Logout ends the session: the refresh cookie is gone and renews nothing.
    click(client, "form[action='/logout'] button").await?;
    wait_for_url(client, &format!("{base}/login")).await?;
    assert_eq!(cookie_names(client).await?, ["device"]);
    cmd(client.goto(&format!("{base}/")).await)?;
    wait_for_url(client, &format!("{base}/login")).await?;
    Ok(())
}
