//! Unit tests of the failed-login budgets, on an in-memory SQLite database (the integration tests
//! run them across instances on MariaDB and SQLite).

use super::*;
use crate::{config::DatabaseTarget, db::PoolSettings};

const VICTIM: &str = "victim@example.com";

fn ip(text: &str) -> IpAddr {
    text.parse().unwrap()
}

fn from(address: &str) -> Client<'static> {
    Client {
        address: Some(ip(address)),
        device: None,
    }
}

async fn fail(throttle: &Arc<LoginThrottle>, client: &Client<'_>, account: &str) {
    throttle
        .reserve(client, account)
        .await
        .expect("budget left")
        .settle(true)
        .await;
}

/// Whether an attempt is refused; one that is admitted is given back (it judged nothing).
async fn refused(throttle: &Arc<LoginThrottle>, client: &Client<'_>, account: &str) -> bool {
    match throttle.reserve(client, account).await {
        Ok(attempt) => {
            attempt.settle(false).await;
            false
        }
        Err(Refused::Throttled(_)) => true,
        Err(Refused::Internal(error)) => panic!("{error}"),
    }
}

/// A migrated in-memory database (one connection: each would have its own).
pub(crate) async fn memory_db() -> Db {
    let target = DatabaseTarget::Url("sqlite::memory:".to_owned());
    let settings = PoolSettings {
        max_connections: 1,
        acquire_timeout: Duration::from_secs(5),
    };
    let db = Db::connect(&target, settings).await.unwrap();
    db.migrate().await.unwrap();
    db
}

async fn throttle(failures_per_minute: u32) -> Arc<LoginThrottle> {
    Arc::new(LoginThrottle::new(
        memory_db().await,
        Clock::system(),
        NonZeroU32::new(failures_per_minute).unwrap(),
        Duration::from_secs(5),
    ))
}

async fn buckets(throttle: &LoginThrottle) -> i64 {
    crate::dispatch!(&throttle.db, pool => {
        sqlx::query_scalar("SELECT COUNT(*) FROM login_budgets").fetch_one(pool).await.unwrap()
    })
}

#[tokio::test]
async fn refused_attempts_store_nothing() {
    let throttle = throttle(2).await;
    let client = from("192.0.2.1");
    fail(&throttle, &client, VICTIM).await;
    fail(&throttle, &client, VICTIM).await;
    assert!(refused(&throttle, &client, VICTIM).await);
    // Refused attempts for ever new accounts leave no bucket behind.
    let before = buckets(&throttle).await;
    for i in 0..100 {
        assert!(refused(&throttle, &client, &format!("user{i}@example.com")).await);
    }
    assert_eq!(buckets(&throttle).await, before);
}

#[tokio::test]
async fn failures_block_the_address_and_the_account_but_nobody_else() {
    let throttle = throttle(3).await;
    for _ in 0..3 {
        fail(&throttle, &from("192.0.2.1"), VICTIM).await;
    }
    let Err(Refused::Throttled(wait)) = throttle.reserve(&from("192.0.2.1"), VICTIM).await else {
        panic!("limited");
    };
    assert!((1..=20).contains(&wait), "{wait}");
    assert!(
        refused(&throttle, &from("192.0.2.1"), "other@example.com").await,
        "address"
    );
    assert!(
        refused(&throttle, &from("192.0.2.2"), VICTIM).await,
        "account"
    );
    assert!(
        !refused(&throttle, &from("192.0.2.2"), "other@example.com").await,
        "others free"
    );
}

#[tokio::test]
async fn budgets_refill_over_the_minute() {
    let throttle = throttle(2).await;
    for _ in 0..2 {
        fail(&throttle, &from("192.0.2.1"), VICTIM).await;
    }
    assert!(refused(&throttle, &from("192.0.2.1"), VICTIM).await);
    // Two a minute: one token back every 30 seconds.
    throttle.clock.advance(31);
    fail(&throttle, &from("192.0.2.1"), VICTIM).await;
    assert!(refused(&throttle, &from("192.0.2.1"), VICTIM).await);
}

#[tokio::test]
async fn attempts_in_flight_hold_the_budget_and_successes_give_it_back() {
    let throttle = throttle(3).await;
    let client = from("192.0.2.1");
    // Three attempts in flight at once hold the whole budget: a fourth waits for them.
    let mut in_flight = Vec::new();
    for _ in 0..3 {
        in_flight.push(throttle.reserve(&client, VICTIM).await.expect("reserved"));
    }
    let fourth = throttle.reserve(&client, VICTIM);
    tokio::pin!(fourth);
    assert!(
        tokio::time::timeout(Duration::from_millis(200), &mut fourth)
            .await
            .is_err(),
        "waits while the budget is held"
    );
    // One success gives its token back: the fourth goes ahead.
    in_flight.pop().unwrap().settle(false).await;
    let fourth = fourth.await.expect("admitted after a success");
    // Three failures spend the budget: no more attempts, nothing waits.
    fourth.settle(true).await;
    for attempt in in_flight {
        attempt.settle(true).await;
    }
    assert!(
        refused(&throttle, &client, VICTIM).await,
        "three failures spent it"
    );
}

#[tokio::test]
async fn a_dropped_attempt_is_given_back_and_a_lost_one_expires() {
    let throttle = throttle(1).await;
    let client = from("192.0.2.1");
    drop(throttle.reserve(&client, VICTIM).await.unwrap());
    // The drop settles in the background; the next attempt waits for it, then goes ahead.
    let attempt = throttle.reserve(&client, VICTIM).await.expect("given back");
    // An attempt whose instance died never settles: after HOLD it stops holding (spent).
    std::mem::forget(attempt);
    assert!(
        throttle.reserve(&client, VICTIM).await.is_err(),
        "held, then refused when the wait runs out"
    );
    throttle.clock.advance(HOLD.as_secs() as i64 + 1);
    assert!(
        !refused(&throttle, &client, VICTIM).await,
        "refilled meanwhile"
    );
}

#[tokio::test]
async fn a_trusted_device_or_address_is_limited_only_by_its_own_failures() {
    let throttle = throttle(3).await;
    // The owner logged in from home once.
    let home = from("198.51.100.7");
    throttle
        .reserve(&home, VICTIM)
        .await
        .unwrap()
        .settle(false)
        .await;
    throttle.trust(home.address, VICTIM).await;
    // An attacker elsewhere exhausts the account.
    for _ in 0..3 {
        fail(&throttle, &from("192.0.2.1"), VICTIM).await;
    }
    assert!(
        refused(&throttle, &from("203.0.113.9"), VICTIM).await,
        "strangers locked out"
    );
    // The owner's address and a device cookie still get in.
    assert!(!refused(&throttle, &home, VICTIM).await, "trusted address");
    let device = Client {
        address: Some(ip("203.0.113.9")),
        device: Some("device-1"),
    };
    assert!(!refused(&throttle, &device, VICTIM).await, "device cookie");
    // A device is limited by its own failures.
    for _ in 0..3 {
        fail(&throttle, &device, VICTIM).await;
    }
    assert!(
        refused(&throttle, &device, VICTIM).await,
        "device's own budget"
    );
}

#[tokio::test]
async fn ipv6_clients_are_keyed_by_their_64_and_mapped_ipv4_as_ipv4() {
    assert_eq!(network_of(ip("2001:db8:1:2:ffff::9")), ip("2001:db8:1:2::"));
    assert_eq!(network_of(ip("::ffff:192.0.2.1")), ip("192.0.2.1"));
    let throttle = throttle(1).await;
    fail(&throttle, &from("2001:db8:1:2::1"), "x@example.com").await;
    assert!(
        refused(&throttle, &from("2001:db8:1:2::5"), "y@example.com").await,
        "same /64"
    );
    assert!(
        !refused(&throttle, &from("2001:db8:1:3::1"), "z@example.com").await,
        "other /64"
    );
    // Two IPv4 clients seen through a dual-stack listener are two clients, not one /64.
    fail(&throttle, &from("::ffff:192.0.2.1"), "a@example.com").await;
    assert!(
        refused(&throttle, &from("192.0.2.1"), "b@example.com").await,
        "same client"
    );
    assert!(
        !refused(&throttle, &from("::ffff:192.0.2.2"), "c@example.com").await,
        "another"
    );
}
