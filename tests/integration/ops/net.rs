//! Real sockets for the tests that need them: a server on a loopback port, connections from
//! chosen loopback addresses, raw HTTP/1.1 exchanges.

use std::{net::SocketAddr, time::Duration};

use employees::server::ConnectionLimits;
use tokio::{
    io::{AsyncReadExt, AsyncWriteExt},
    net::{TcpSocket, TcpStream},
};

/// Generous bound on every wait: the tests assert what happens, never how fast.
pub const PATIENCE: Duration = Duration::from_secs(15);

pub fn connection_limits() -> ConnectionLimits {
    ConnectionLimits {
        header_read_timeout: Duration::from_secs(1),
        idle_timeout: Duration::from_secs(2),
        max_per_address: 4,
        max_connections: 1_000,
        trusted_proxies: Vec::new(),
        max_header_bytes: 16_384,
        max_streams: 64,
    }
}

/// Serves `app` on 127.0.0.1 (port chosen by the system) until the test ends.
pub async fn serve(app: axum::Router, limits: ConnectionLimits) -> SocketAddr {
    serve_on("127.0.0.1:0", app, limits).await
}

/// Serves `app` on `bind` until the test ends.
pub async fn serve_on(bind: &str, app: axum::Router, limits: ConnectionLimits) -> SocketAddr {
    let listener = tokio::net::TcpListener::bind(bind).await.unwrap();
    let address = listener.local_addr().unwrap();
    tokio::spawn(employees::server::serve(
        listener,
        app,
        limits,
        std::future::pending(),
    ));
    address
}

/// A connection from `local` (any 127.x.y.z address is this machine).
pub async fn connect_from(local: &str, server: SocketAddr) -> TcpStream {
    let socket = TcpSocket::new_v4().unwrap();
    socket.bind(format!("{local}:0").parse().unwrap()).unwrap();
    socket.connect(server).await.unwrap()
}

/// Reads until the server closes the connection; returns what it sent.
pub async fn until_closed(stream: &mut TcpStream) -> String {
    let mut received = Vec::new();
    tokio::time::timeout(PATIENCE, async {
        let mut buf = [0u8; 4096];
        loop {
            match stream.read(&mut buf).await {
                Ok(0) | Err(_) => break,
                Ok(n) => received.extend_from_slice(&buf[..n]),
            }
        }
    })
    .await
    .expect("the server closed the connection");
    String::from_utf8_lossy(&received).into_owned()
}

/// Sends one HTTP/1.1 request and reads its whole answer (the server closes afterwards).
pub async fn exchange(local: &str, server: SocketAddr, request: impl AsRef<[u8]>) -> String {
    let mut stream = connect_from(local, server).await;
    stream.write_all(request.as_ref()).await.unwrap();
    until_closed(&mut stream).await
}
