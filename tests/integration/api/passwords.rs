//! Passwords: the dummy hash's cost, stored hashes converging to the configured cost, and
//! bcrypt's 72-byte limit refused wherever a password is set.

use axum::http::StatusCode;
use clap::Parser;
use employees::{db::Db, seeding::DefaultPassword};

use crate::common::*;

fn stored_hash_query() -> &'static str {
    "SELECT password FROM employees WHERE email = ?"
}

async fn stored_hash(db: &Db, email: &str) -> String {
    employees::dispatch!(db, pool => {
        sqlx::query_scalar(stored_hash_query()).bind(email).fetch_one(pool).await.unwrap()
    })
}

#[tokio::test]
async fn the_dummy_hash_has_the_configured_cost_whatever_is_stored() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}?mode=rwc", dir.path().join("x.db").display());
    let secret = "s".repeat(32);
    let cli = employees::config::Cli::parse_from([
        "employees",
        "--database-url",
        &url,
        "--jwt-secret",
        &secret,
        "--bcrypt-cost",
        "5",
    ]);
    let db = employees::startup::connect(&cli.config).await.unwrap();
    db.migrate().await.unwrap();
    // Accounts hashed at cost 4 (as the generator may leave them) do not pull the dummy down:
    // an unknown email costs what a known one will cost once re-hashed.
    employees::seeding::load_seed(&db, &default_password(), 1_000)
        .await
        .unwrap();
    let state = employees::startup::build_state(&cli.config, db)
        .await
        .unwrap();
    assert_eq!(state.auth.dummy_hash_cost(), Some(5));
}

async fn stored_hashes_converge_to_the_configured_cost(db: Db) {
    seeded(&db).await; // cost 4
    assert!(stored_hash(&db, BEHAI).await.starts_with("$2b$04$"));
    let app = employees::app(
        wired(
            &db,
            Wiring {
                bcrypt_cost: 5,
                ..wiring()
            },
        )
        .await,
    );
    login(&app, BEHAI).await;
    let rehashed = stored_hash(&db, BEHAI).await;
    assert!(rehashed.starts_with("$2b$05$"), "re-hashed at cost 5");
    // The new hash still holds the same password, and a wrong one changes nothing.
    login(&app, BEHAI).await;
    let reply = post_token(&app, &format!("username={BEHAI}&password=wrong")).await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST);
    assert_eq!(stored_hash(&db, BEHAI).await, rehashed);
    assert!(
        stored_hash(&db, PRANAV).await.starts_with("$2b$04$"),
        "others untouched"
    );
}
dual_test!(
    cost_converges,
    stored_hashes_converge_to_the_configured_cost
);

async fn passwords_over_72_bytes_are_refused_and_never_truncated(db: Db) {
    let too_long = DefaultPassword {
        password: "p".repeat(73),
        cost: TEST_COST,
    };
    let error = employees::seeding::load_seed(&db, &too_long, 1_000)
        .await
        .expect_err("a 73-byte seed password is refused");
    assert!(error.to_string().contains("72 bytes"), "{error}");

    // 72 bytes is the most bcrypt reads: allowed, and nothing after it logs in.
    let longest = "p".repeat(72);
    let password = DefaultPassword {
        password: longest.clone(),
        cost: TEST_COST,
    };
    employees::seeding::load_seed(&db, &password, 1_000)
        .await
        .unwrap();
    let app = employees::app(state(db).await);
    let reply = post_token(&app, &format!("username={BEHAI}&password={longest}")).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text());
    let reply = post_token(&app, &format!("username={BEHAI}&password={longest}suffix")).await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST);
    assert_eq!(reply.json()["error"], "invalid_grant");
}
dual_test!(
    seventy_two_bytes,
    passwords_over_72_bytes_are_refused_and_never_truncated
);

#[test]
fn a_seed_password_over_72_bytes_stops_the_program_at_start() {
    let long = "x".repeat(79);
    let cli = employees::config::Cli::parse_from(["employees", "--seed-password", &long]);
    let error = cli.config.validate().expect_err("refused");
    assert_eq!(error.var, "SEED_PASSWORD");
    assert!(error.message.contains("72 bytes"), "{}", error.message);
}
