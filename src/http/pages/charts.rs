//! Server-rendered SVG charts for `/status`: shapes computed here, drawn by `chart.html`. No
//! script, no inline style (the page's CSP forbids both): colours come from classes.

use crate::telemetry::{
    LoginOutcome,
    history::{Buckets, Minute, merge, quantile},
    metrics::LATENCY_BUCKETS,
};

pub const WIDTH: f64 = 640.0;
const HEIGHT: f64 = 180.0;
/// Room for the axis labels on the left and at the bottom.
const LEFT: f64 = 44.0;
const BOTTOM: f64 = 20.0;
/// Most routes shown, the busiest first.
const MAX_ROUTES: usize = 12;

#[derive(Debug, Clone, PartialEq)]
pub struct Rect {
    pub x: f64,
    pub y: f64,
    pub w: f64,
    pub h: f64,
    pub class: &'static str,
    /// Shown on hover (an SVG `<title>`).
    pub tip: String,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Label {
    pub x: f64,
    pub y: f64,
    /// `start`, `middle` or `end`.
    pub anchor: &'static str,
    pub text: String,
}

#[derive(Debug, Clone, PartialEq, Default)]
pub struct Chart {
    /// What a screen reader says of it.
    pub title: String,
    pub height: f64,
    pub rects: Vec<Rect>,
    pub labels: Vec<Label>,
}

/// One legend entry: a class (its colour) and what it stands for.
pub struct Key {
    pub class: &'static str,
    pub text: String,
}

/// Per-minute bars, each a stack of segments `(value, class, what)`, over the last hour, with a
/// scale on the left and the minutes ago at the bottom.
fn minute_bars(title: String, minutes: &[Vec<(f64, &'static str, String)>]) -> Chart {
    let top = minutes
        .iter()
        .map(|stack| stack.iter().map(|(v, _, _)| v).sum::<f64>())
        .fold(0.0, f64::max);
    let scale = nice_ceiling(top);
    let plot = HEIGHT - BOTTOM;
    let step = (WIDTH - LEFT) / minutes.len().max(1) as f64;
    let mut chart = Chart {
        title,
        height: HEIGHT,
        ..Chart::default()
    };
    for (i, stack) in minutes.iter().enumerate() {
        let mut y = plot;
        for (value, class, what) in stack.iter().filter(|(v, _, _)| *v > 0.0) {
            let h = value / scale * plot;
            y -= h;
            chart.rects.push(Rect {
                x: LEFT + i as f64 * step + 1.0,
                y,
                w: (step - 2.0).max(1.0),
                h,
                class,
                tip: format!("{} min ago: {what}", minutes.len() - 1 - i),
            });
        }
    }
    chart
        .labels
        .push(label(LEFT - 6.0, 28.0, "end", number(scale)));
    chart
        .labels
        .push(label(LEFT - 6.0, plot, "end", "0".into()));
    for ago in [60, 45, 30, 15] {
        let x = LEFT + (minutes.len() as f64 - ago as f64) * step;
        chart
            .labels
            .push(label(x, HEIGHT - 4.0, "start", format!("−{ago} min")));
    }
    chart
        .labels
        .push(label(WIDTH, HEIGHT - 4.0, "end", "now".into()));
    chart
}

/// Logins per minute, stacked by outcome.
pub fn logins(hour: &[Minute]) -> Chart {
    let minutes: Vec<_> = hour
        .iter()
        .map(|minute| {
            LoginOutcome::ALL
                .iter()
                .map(|o| {
                    let n = minute.logins[o.index()];
                    (n as f64, outcome_class(*o), format!("{n} {}", o.label()))
                })
                .collect()
        })
        .collect();
    minute_bars("Logins per minute by outcome, last hour".into(), &minutes)
}

pub fn outcome_class(outcome: LoginOutcome) -> &'static str {
    match outcome {
        LoginOutcome::Success => "ok",
        LoginOutcome::WrongCredentials => "wrong",
        LoginOutcome::Inactive => "inactive",
        LoginOutcome::Throttled => "throttled",
        LoginOutcome::InvalidRequest => "invalid",
        LoginOutcome::Error => "failed",
        LoginOutcome::MfaRequired => "ok",
    }
}

/// The most database connections in use each minute, under the pool's size.
pub fn pool(hour: &[Minute]) -> Chart {
    let size = hour.iter().map(|m| m.pool.max).max().unwrap_or(0);
    let minutes: Vec<_> = hour
        .iter()
        .map(|m| {
            let free = m.pool.max.saturating_sub(m.pool.in_use);
            vec![
                (
                    f64::from(m.pool.in_use),
                    "used",
                    format!("{} in use", m.pool.in_use),
                ),
                (f64::from(free), "free", format!("{free} more allowed")),
            ]
        })
        .collect();
    minute_bars(
        format!("Database connections in use per minute (at most), of {size}"),
        &minutes,
    )
}

/// One route's latency over the hour.
#[derive(Debug, Clone, PartialEq)]
pub struct RouteLatency {
    pub route: String,
    pub requests: u64,
    pub p50: f64,
    pub p99: f64,
}

impl RouteLatency {
    pub fn p50_text(&self) -> String {
        milliseconds(self.p50)
    }

    pub fn p99_text(&self) -> String {
        milliseconds(self.p99)
    }
}

/// The hour's p50 and p99 by route, busiest first.
pub fn route_latencies(hour: &[Minute]) -> Vec<RouteLatency> {
    let mut merged: std::collections::HashMap<&str, Buckets> = Default::default();
    for minute in hour {
        for (route, buckets) in &minute.routes {
            merge(
                merged
                    .entry(route)
                    .or_insert([0; LATENCY_BUCKETS.len() + 1]),
                buckets,
            );
        }
    }
    let mut routes: Vec<RouteLatency> = merged
        .into_iter()
        .filter_map(|(route, buckets)| {
            Some(RouteLatency {
                route: route.to_owned(),
                requests: buckets.iter().sum(),
                p50: quantile(&buckets, 0.5)?,
                p99: quantile(&buckets, 0.99)?,
            })
        })
        .collect();
    routes.sort_by(|a, b| b.requests.cmp(&a.requests).then(a.route.cmp(&b.route)));
    routes.truncate(MAX_ROUTES);
    routes
}

/// Horizontal bars, two per route: p50 over p99, on one millisecond scale.
pub fn latencies(routes: &[RouteLatency]) -> Chart {
    let row = 30.0;
    let left = 230.0;
    let top = routes.iter().map(|r| r.p99).fold(0.0, f64::max) * 1000.0;
    let scale = nice_ceiling(top);
    let mut chart = Chart {
        title: "Latency by route, p50 and p99, last hour".into(),
        height: row * routes.len() as f64 + 8.0,
        ..Chart::default()
    };
    for (i, r) in routes.iter().enumerate() {
        let y = i as f64 * row + 4.0;
        chart
            .labels
            .push(label(left - 8.0, y + 17.0, "end", r.route.clone()));
        for (j, (value, class, what)) in [(r.p50, "p50", "p50"), (r.p99, "p99", "p99")]
            .into_iter()
            .enumerate()
        {
            let ms = value * 1000.0;
            let w = (ms / scale * (WIDTH - left - 70.0)).max(1.0);
            let y = y + j as f64 * 12.0;
            chart.rects.push(Rect {
                x: left,
                y,
                w,
                h: 10.0,
                class,
                tip: format!("{}: {what} {}", r.route, milliseconds(value)),
            });
            chart
                .labels
                .push(label(left + w + 4.0, y + 9.0, "start", milliseconds(value)));
        }
    }
    chart
}

fn label(x: f64, y: f64, anchor: &'static str, text: String) -> Label {
    Label { x, y, anchor, text }
}

/// The smallest of 1, 2, 5 × 10ⁿ at or above `value` (at least 1): a round top for a scale.
pub fn nice_ceiling(value: f64) -> f64 {
    let mut top = 1.0;
    while top < value {
        for factor in [2.0, 2.5, 2.0] {
            top *= factor;
            if top >= value {
                return top;
            }
        }
    }
    top
}

fn number(value: f64) -> String {
    if value.fract() == 0.0 {
        format!("{value:.0}")
    } else {
        format!("{value}")
    }
}

/// Seconds as milliseconds, to a precision that suits their size.
pub fn milliseconds(seconds: f64) -> String {
    let ms = seconds * 1000.0;
    if ms < 10.0 {
        format!("{ms:.2} ms")
    } else if ms < 100.0 {
        format!("{ms:.1} ms")
    } else {
        format!("{ms:.0} ms")
    }
}

#[cfg(test)]
#[path = "charts_tests.rs"]
mod tests;
