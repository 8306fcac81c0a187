//! Denial of service from one client, over real sockets: idle and half-open connections (HTTP/1
//! and HTTP/2) are closed, one address's connections and request slots are capped while others
//! and the probes are still served, stalled bodies end in 408, and an oversized declared body is
//! refused before it is sent.

use std::time::Duration;

use employees::{db::Db, server::ConnectionLimits, state::Limits};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

use crate::{common::*, ops::net::*};

const HEALTHZ: &str = "GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n";
const H2_PREFACE: &[u8] = b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n\x00\x00\x00\x04\x00\x00\x00\x00\x00";

async fn idle_and_half_open_connections_are_closed(db: Db) {
    let server = serve(employees::app(state(db).await), connection_limits()).await;
    // Never a byte.
    let mut silent = connect_from("127.0.0.1", server).await;
    assert_eq!(until_closed(&mut silent).await, "");
    // HTTP/1.1: one request, then idle on a keep-alive connection.
    let mut kept = connect_from("127.0.0.1", server).await;
    kept.write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
        .await
        .unwrap();
    assert!(until_closed(&mut kept).await.starts_with("HTTP/1.1 200"));
    // HTTP/1.1 headers never finished.
    let mut partial = connect_from("127.0.0.1", server).await;
    partial
        .write_all(b"GET /healthz HTTP/1.1\r\nHo")
        .await
        .unwrap();
    until_closed(&mut partial).await;
    // HTTP/2: the preface and settings, then idle.
    let mut h2 = connect_from("127.0.0.1", server).await;
    h2.write_all(H2_PREFACE).await.unwrap();
    until_closed(&mut h2).await;
    // HTTP/2: a HEADERS frame without END_HEADERS, and no CONTINUATION ever.
    let mut h2 = connect_from("127.0.0.1", server).await;
    h2.write_all(H2_PREFACE).await.unwrap();
    h2.write_all(b"\x00\x00\x01\x01\x00\x00\x00\x00\x01\x82")
        .await
        .unwrap();
    until_closed(&mut h2).await;
    // All of them are gone: the address's whole share of connections is free again.
    for _ in 0..4 {
        assert!(
            exchange("127.0.0.1", server, HEALTHZ)
                .await
                .starts_with("HTTP/1.1 200")
        );
    }
}
dual_test!(idle_connections, idle_and_half_open_connections_are_closed);

async fn one_address_cannot_take_every_connection(db: Db) {
    let limits = ConnectionLimits {
        header_read_timeout: Duration::from_secs(30),
        idle_timeout: Duration::from_secs(60),
        ..connection_limits()
    };
    let server = serve(employees::app(state(db).await), limits).await;
    // Four half-sent requests hold 127.0.0.1's share...
    let mut held = Vec::new();
    for _ in 0..4 {
        let mut stream = connect_from("127.0.0.1", server).await;
        stream
            .write_all(b"GET /healthz HTTP/1.1\r\n")
            .await
            .unwrap();
        held.push(stream);
    }
    tokio::time::sleep(Duration::from_millis(200)).await;
    // ...so a fifth from it is closed at once, unanswered,
    assert_eq!(exchange("127.0.0.1", server, HEALTHZ).await, "");
    // while another client is served as usual.
    assert!(
        exchange("127.0.0.2", server, HEALTHZ)
            .await
            .starts_with("HTTP/1.1 200")
    );
    drop(held);
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert!(
        exchange("127.0.0.1", server, HEALTHZ)
            .await
            .starts_with("HTTP/1.1 200")
    );
}
dual_test!(
    connections_per_address,
    one_address_cannot_take_every_connection
);

fn stalled_login() -> String {
    "POST /token HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-www-form-urlencoded\r\n\
     Content-Length: 100\r\nConnection: close\r\n\r\n"
        .to_owned()
}

async fn stalled_bodies_cannot_fill_the_request_slots(db: Db) {
    seeded(&db).await;
    let limits = Limits {
        request_timeout: Duration::from_secs(10),
        body_read_timeout: Duration::from_secs(1),
        max_concurrent_requests: 8,
        max_concurrent_per_address: 4,
        ..Limits::default()
    };
    let app = employees::app(wired(&db, Wiring { limits, ..wiring() }).await);
    let connections = ConnectionLimits {
        max_per_address: 64,
        idle_timeout: Duration::from_secs(30),
        header_read_timeout: Duration::from_secs(30),
        ..connection_limits()
    };
    let server = serve(app, connections).await;
    // Ten requests from one address declare a body and never send it.
    let stalled: Vec<_> = (0..10)
        .map(|_| tokio::spawn(exchange("127.0.0.1", server, stalled_login())))
        .collect();
    tokio::time::sleep(Duration::from_millis(300)).await;
    // The probes and another client's login are served meanwhile, though the ten outnumber both
    // the address's share (4) and all the slots (8).
    assert!(
        exchange("127.0.0.1", server, HEALTHZ)
            .await
            .starts_with("HTTP/1.1 200")
    );
    let body = format!("username={BEHAI}&password=password");
    let login = format!(
        "POST /token HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-www-form-urlencoded\r\n\
         Content-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
    assert!(
        exchange("127.0.0.2", server, &login)
            .await
            .starts_with("HTTP/1.1 200")
    );
    // A stalled body holds no request slot (it is read before one is taken): the same address
    // still logs in, beyond its share of 4, while its ten bodies stall.
    assert!(
        exchange("127.0.0.1", server, &login)
            .await
            .starts_with("HTTP/1.1 200")
    );
    // Each stalled request got 408 once the body deadline passed.
    for answer in stalled {
        let answer = answer.await.unwrap();
        assert!(answer.starts_with("HTTP/1.1 408"), "{answer}");
        assert!(answer.contains("did not arrive in time"), "{answer}");
    }
}
dual_test!(stalled_bodies, stalled_bodies_cannot_fill_the_request_slots);

async fn an_oversized_declared_body_is_refused_before_it_is_sent(db: Db) {
    let server = serve(employees::app(state(db).await), connection_limits()).await;
    let mut stream = connect_from("127.0.0.1", server).await;
    stream
        .write_all(
            b"POST /token HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-www-form-urlencoded\r\n\
              Content-Length: 1000000000\r\nExpect: 100-continue\r\n\r\n",
        )
        .await
        .unwrap();
    let mut first = vec![0u8; 4096];
    let n = tokio::time::timeout(PATIENCE, stream.read(&mut first))
        .await
        .expect("answered")
        .unwrap();
    let answer = String::from_utf8_lossy(&first[..n]);
    assert!(
        answer.starts_with("HTTP/1.1 413"),
        "no 100 Continue: {answer}"
    );
    assert!(answer.contains("Request body too large"), "{answer}");
}
dual_test!(
    declared_too_large,
    an_oversized_declared_body_is_refused_before_it_is_sent
);

#[test]
fn the_open_files_limit_is_raised_to_the_hard_limit() {
    let soft = employees::server::raise_open_files_limit().expect("readable");
    let mut limit = libc::rlimit {
        rlim_cur: 0,
        rlim_max: 0,
    };
    // SAFETY: getrlimit writes to a local struct only.
    assert_eq!(
        unsafe { libc::getrlimit(libc::RLIMIT_NOFILE, &mut limit) },
        0
    );
    assert_eq!(soft, limit.rlim_cur);
    assert_eq!(
        limit.rlim_cur, limit.rlim_max,
        "soft limit raised to the hard one"
    );
}

/// HTTP/2: the server announces its stream limit (a client that never reads keeps each stream's
/// answer in memory, so few streams per connection bound that), 16 by default.
async fn http2_streams_per_connection_are_limited(db: Db) {
    use clap::Parser;
    let config = employees::config::Cli::parse_from(["employees"]).config;
    let limits = config.http.connection_limits();
    assert_eq!(limits.max_streams, 16);
    let server = serve(employees::app(state(db).await), limits).await;
    let mut h2 = connect_from("127.0.0.1", server).await;
    h2.write_all(H2_PREFACE).await.unwrap();
    let mut frame = [0u8; 9];
    tokio::time::timeout(PATIENCE, h2.read_exact(&mut frame))
        .await
        .expect("the server's SETTINGS")
        .unwrap();
    assert_eq!(frame[3], 4, "a SETTINGS frame first");
    let length = usize::from(frame[1]) << 8 | usize::from(frame[2]);
    let mut settings = vec![0u8; length];
    h2.read_exact(&mut settings).await.unwrap();
    let announced: Vec<(u16, u32)> = settings
        .chunks(6)
        .map(|s| {
            (
                u16::from_be_bytes([s[0], s[1]]),
                u32::from_be_bytes([s[2], s[3], s[4], s[5]]),
            )
        })
        .collect();
    assert!(
        announced.contains(&(3, 16)),
        "MAX_CONCURRENT_STREAMS 16 in {announced:?}"
    );
}
dual_test!(h2_streams, http2_streams_per_connection_are_limited);
