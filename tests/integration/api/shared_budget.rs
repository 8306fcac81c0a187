//! The failed-login budget is kept in the database: two instances on one database give an
//! attacker one instance's budget, per account and per address, even when every attempt is in
//! flight at once.

use axum::{Router, http::StatusCode};
use employees::db::Db;

use crate::{api::lockout::attempt, common::*};

const LIMIT: u32 = 4;

async fn two_instances(db: &Db) -> (Router, Router) {
    let a = employees::app(state_failing_at(db, LIMIT).await);
    let b = employees::app(state_failing_at(db, LIMIT).await);
    (a, b)
}

async fn one_budget_for_two_instances(db: Db) {
    seeded(&db).await;
    let (a, b) = two_instances(&db).await;
    // Per account: attackers at ever new addresses, taking turns between the instances.
    for i in 0..LIMIT {
        let app = if i % 2 == 0 { &a } else { &b };
        let peer = format!("192.0.2.{}", i + 1);
        let reply = send(app, attempt(PRANAV, "wrong", &peer, None)).await;
        assert_eq!(reply.status, StatusCode::BAD_REQUEST, "attempt {i}");
    }
    for (name, app) in [("a", &a), ("b", &b)] {
        let reply = send(app, attempt(PRANAV, "password", "192.0.2.99", None)).await;
        assert_eq!(
            reply.status,
            StatusCode::TOO_MANY_REQUESTS,
            "instance {name}"
        );
        assert!(reply.header("retry-after").is_some());
    }
    // Per address: one attacker, ever new accounts, taking turns.
    for i in 0..LIMIT {
        let app = if i % 2 == 0 { &b } else { &a };
        let email = format!("nobody{i}@example.com");
        let reply = send(app, attempt(&email, "wrong", "198.51.100.5", None)).await;
        assert_eq!(reply.status, StatusCode::BAD_REQUEST, "attempt {i}");
    }
    for app in [&a, &b] {
        let reply = send(app, attempt(BEHAI, "password", "198.51.100.5", None)).await;
        assert_eq!(reply.status, StatusCode::TOO_MANY_REQUESTS);
    }
    // Everyone else logs in as before.
    let reply = send(&b, attempt(BEHAI, "password", "203.0.113.1", None)).await;
    assert_eq!(reply.status, StatusCode::OK);
}
dual_test!(sequential, one_budget_for_two_instances);

/// Twenty wrong guesses at once, half on each instance: exactly the budget is judged, the rest
/// are refused; attempts in flight hold the budget, so parallel guesses cannot outrun it.
async fn parallel_guesses_on_two_instances(db: Db) {
    seeded(&db).await;
    let (a, b) = two_instances(&db).await;
    let mut guesses = tokio::task::JoinSet::new();
    for i in 0..20 {
        let app = if i % 2 == 0 { a.clone() } else { b.clone() };
        let peer = format!("192.0.2.{}", i + 1);
        guesses.spawn(async move {
            send(&app, attempt(PRANAV, "wrong", &peer, None))
                .await
                .status
        });
    }
    let statuses = guesses.join_all().await;
    let judged = statuses
        .iter()
        .filter(|s| **s == StatusCode::BAD_REQUEST)
        .count();
    let refused = statuses
        .iter()
        .filter(|s| **s == StatusCode::TOO_MANY_REQUESTS)
        .count();
    assert_eq!(
        (judged, refused),
        (LIMIT as usize, 20 - LIMIT as usize),
        "{statuses:?}"
    );
}
dual_test!(parallel, parallel_guesses_on_two_instances);
