//! A dual-stack listener (`[::]`) sees IPv4 clients as IPv4-mapped IPv6 addresses
//! (`::ffff:a.b.c.d`): they must still be told apart, and a trusted proxy given as IPv4 must
//! still be recognised.

use employees::db::Db;

use crate::{common::*, ops::net::*};

fn login_request(email: &str, password: &str, forwarded_for: Option<&str>) -> String {
    let body = format!("username={email}&password={password}");
    let forwarded = forwarded_for
        .map(|client| format!("X-Forwarded-For: {client}\r\n"))
        .unwrap_or_default();
    format!(
        "POST /token HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-www-form-urlencoded\r\n\
         {forwarded}Content-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    )
}

async fn status_of(local: &str, server: std::net::SocketAddr, request: String) -> u16 {
    let answer = exchange(local, server, request).await;
    answer[9..12].parse().unwrap_or_else(|_| panic!("{answer}"))
}

async fn mapped_ipv4_clients_are_told_apart_and_proxies_recognised(db: Db) {
    seeded(&db).await;
    let proxy = "127.0.0.3".parse().unwrap();
    let wiring = Wiring {
        failures_per_minute: std::num::NonZeroU32::new(2).unwrap(),
        trusted_proxies: vec![proxy],
        ..wiring()
    };
    let app = employees::app(wired(&db, wiring).await);
    let port = serve_on("[::]:0", app, connection_limits()).await.port();
    let server = std::net::SocketAddr::from(([127, 0, 0, 1], port));

    // Two wrong passwords from 127.0.0.1 use up its budget...
    for email in ["a@example.com", "b@example.com"] {
        assert_eq!(
            status_of("127.0.0.1", server, login_request(email, "x", None)).await,
            400
        );
    }
    assert_eq!(
        status_of(
            "127.0.0.1",
            server,
            login_request("c@example.com", "x", None)
        )
        .await,
        429
    );
    // ...and not 127.0.0.2's: they are two clients, not one IPv6 /64.
    assert_eq!(
        status_of("127.0.0.2", server, login_request(PRANAV, "password", None)).await,
        200
    );

    // The proxy, configured as 127.0.0.3 and seen as ::ffff:127.0.0.3, is believed: the client
    // it names is throttled, not the proxy with everyone behind it.
    for email in ["d@example.com", "e@example.com"] {
        let request = login_request(email, "x", Some("203.0.113.5"));
        assert_eq!(status_of("127.0.0.3", server, request).await, 400);
    }
    let request = login_request("f@example.com", "x", Some("203.0.113.5"));
    assert_eq!(status_of("127.0.0.3", server, request).await, 429);
    let request = login_request(BEHAI, "password", Some("203.0.113.6"));
    assert_eq!(status_of("127.0.0.3", server, request).await, 200);
}
dual_test!(
    dual_stack,
    mapped_ipv4_clients_are_told_apart_and_proxies_recognised
);
