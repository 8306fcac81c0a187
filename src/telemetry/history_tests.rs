//! The per-minute history and its quantiles.

use super::*;

#[test]
fn minutes_roll_over_and_an_hour_is_kept() {
    let history = History::default();
    for at in 0..100 {
        history.login(at, LoginOutcome::Success);
    }
    history.login(99, LoginOutcome::Throttled);
    let hour = history.last_hour(99);
    assert_eq!(hour.len(), MINUTES);
    assert_eq!(hour.first().unwrap().at, 40);
    assert_eq!(
        hour.last().unwrap().logins[LoginOutcome::Success.index()],
        1
    );
    assert_eq!(
        hour.last().unwrap().logins[LoginOutcome::Throttled.index()],
        1
    );
    // Minutes with nothing recorded are there, empty.
    let later = history.last_hour(130);
    assert_eq!(later.first().unwrap().at, 71);
    assert_eq!(later.iter().map(|m| m.logins[0]).sum::<u64>(), 29);
    assert_eq!(later.last().unwrap().logins, [0; 7]);
}

#[test]
fn requests_fall_into_their_buckets_by_route() {
    let history = History::default();
    history.request(5, "GET /users/me", 0.0004);
    history.request(5, "GET /users/me", 0.003);
    history.request(5, "POST /token", 100.0);
    let hour = history.last_hour(5);
    let minute = hour.last().unwrap();
    let me = minute.routes["GET /users/me"];
    let bucket = |seconds: f64| LATENCY_BUCKETS.iter().position(|b| seconds <= *b).unwrap();
    assert_ne!(bucket(0.0004), bucket(0.003));
    assert_eq!(
        (
            me[bucket(0.0004)],
            me[bucket(0.003)],
            me.iter().sum::<u64>()
        ),
        (1, 1, 2)
    );
    assert_eq!(minute.routes["POST /token"][LATENCY_BUCKETS.len()], 1);
}

#[test]
fn pool_keeps_the_most_in_use_of_the_minute() {
    let history = History::default();
    let at = |in_use| PoolUse {
        in_use,
        idle: 10 - in_use,
        max: 10,
    };
    history.pool(7, at(3));
    history.pool(7, at(9));
    history.pool(7, at(1));
    let minute = history.last_hour(7).pop().unwrap();
    assert_eq!((minute.pool.in_use, minute.pool.max), (9, 10));
}

#[test]
fn quantiles_interpolate_within_a_bucket() {
    let mut buckets: Buckets = [0; LATENCY_BUCKETS.len() + 1];
    assert_eq!(quantile(&buckets, 0.5), None);
    // 100 requests between 5 ms and 10 ms: the median is half-way.
    let i = LATENCY_BUCKETS.iter().position(|b| *b == 0.01).unwrap();
    buckets[i] = 100;
    let median = quantile(&buckets, 0.5).unwrap();
    assert!((median - 0.0075).abs() < 1e-9, "{median}");
    // One slow request in 101: p99 stays in the 10 ms bucket, p100 is the slow one's bound.
    let mut other = [0; LATENCY_BUCKETS.len() + 1];
    other[LATENCY_BUCKETS.len()] = 1;
    merge(&mut buckets, &other);
    assert!(quantile(&buckets, 0.99).unwrap() <= 0.01);
    assert_eq!(quantile(&buckets, 1.0), LATENCY_BUCKETS.last().copied());
}
