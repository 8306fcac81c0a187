//! The chart shapes: what is drawn for given figures.

use super::*;
use crate::telemetry::{PoolUse, history::MINUTES};

fn hour() -> Vec<Minute> {
    (0..MINUTES as u64)
        .map(|at| Minute {
            at,
            ..Minute::default()
        })
        .collect()
}

#[test]
fn scales_are_round() {
    assert_eq!(nice_ceiling(0.0), 1.0);
    assert_eq!(nice_ceiling(3.0), 5.0);
    assert_eq!(nice_ceiling(7.0), 10.0);
    assert_eq!(nice_ceiling(11.0), 20.0);
    assert_eq!(nice_ceiling(120.0), 200.0);
}

#[test]
fn login_bars_stack_by_outcome_at_their_minute() {
    let mut hour = hour();
    hour[59].logins[LoginOutcome::Success.index()] = 6;
    hour[59].logins[LoginOutcome::Throttled.index()] = 4;
    hour[0].logins[LoginOutcome::WrongCredentials.index()] = 1;
    let chart = logins(&hour);
    assert_eq!(chart.rects.len(), 3, "one rectangle per non-zero segment");
    let now: Vec<_> = chart
        .rects
        .iter()
        .filter(|r| r.tip.starts_with("0 min ago"))
        .collect();
    assert_eq!(now.len(), 2);
    // 10 logins fill the scale (10): the stack reaches the top of the plot.
    let plot = HEIGHT - BOTTOM;
    let stacked: f64 = now.iter().map(|r| r.h).sum();
    assert!((stacked - plot).abs() < 1e-9, "{stacked}");
    assert_eq!(now[0].class, "ok");
    assert!((now[0].h - 0.6 * plot).abs() < 1e-9);
    assert_eq!(now[1].class, "throttled");
    assert!(now[1].y < now[0].y, "stacked above");
    let oldest = chart.rects.iter().find(|r| r.class == "wrong").unwrap();
    assert!(oldest.x < now[0].x && oldest.tip.starts_with("59 min ago"));
    assert!(chart.labels.iter().any(|l| l.text == "10"));
}

#[test]
fn pool_bars_show_use_against_the_size() {
    let mut hour = hour();
    hour[30].pool = PoolUse {
        in_use: 3,
        idle: 7,
        max: 10,
    };
    let chart = pool(&hour);
    let used = chart.rects.iter().find(|r| r.class == "used").unwrap();
    let free = chart.rects.iter().find(|r| r.class == "free").unwrap();
    assert!((used.h / (used.h + free.h) - 0.3).abs() < 1e-9);
    assert!(chart.title.ends_with("of 10"));
}

#[test]
fn routes_are_ranked_by_traffic_with_their_quantiles() {
    let mut hour = hour();
    let fast = LATENCY_BUCKETS.iter().position(|b| *b == 0.001).unwrap();
    let slow = LATENCY_BUCKETS.iter().position(|b| *b == 0.25).unwrap();
    let mut me = [0; LATENCY_BUCKETS.len() + 1];
    me[fast] = 100;
    let mut token = [0; LATENCY_BUCKETS.len() + 1];
    token[slow] = 10;
    hour[10].routes.insert("GET /users/me".into(), me);
    hour[20].routes.insert("GET /users/me".into(), me);
    hour[20].routes.insert("POST /token".into(), token);
    let routes = route_latencies(&hour);
    assert_eq!(routes.len(), 2);
    assert_eq!(
        (routes[0].route.as_str(), routes[0].requests),
        ("GET /users/me", 200)
    );
    assert!(routes[0].p50 <= 0.001 && routes[1].p50 > 0.1 && routes[1].p99 <= 0.25);
    let chart = latencies(&routes);
    assert_eq!(chart.rects.len(), 4);
    let widths: Vec<f64> = chart.rects.iter().map(|r| r.w).collect();
    assert!(
        widths[3] > widths[0] * 50.0,
        "the slow route's p99 is the long bar: {widths:?}"
    );
    assert!(chart.labels.iter().any(|l| l.text == "POST /token"));
}

#[test]
fn milliseconds_read_well() {
    assert_eq!(milliseconds(0.00042), "0.42 ms");
    assert_eq!(milliseconds(0.0315), "31.5 ms");
    assert_eq!(milliseconds(0.25), "250 ms");
}
