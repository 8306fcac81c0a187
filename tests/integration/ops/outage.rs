//! A real database outage: a private MariaDB on its own port is killed and started again while
//! the service runs. Requests get 503 within the pool's acquire timeout, never hang, and the
//! service serves again by itself once the database is back.

use std::{
    net::TcpStream,
    path::Path,
    process::{Child, Command, Stdio},
    time::{Duration, Instant},
};

use axum::http::StatusCode;
use employees::{
    config::DatabaseTarget,
    db::{Db, PoolSettings},
};

use crate::{common::*, ops::binary::free_port};

/// A throwaway MariaDB server: its own data directory, port and socket.
struct PrivateMariadb {
    dir: tempfile::TempDir,
    port: u16,
    server: Option<Child>,
}

impl PrivateMariadb {
    fn install() -> Self {
        let dir = tempfile::tempdir().unwrap();
        let status = Command::new("mariadb-install-db")
            .args([
                "--no-defaults",
                "--user=root",
                "--skip-test-db",
                "--auth-root-authentication-method=normal",
            ])
            .arg(format!("--datadir={}", dir.path().join("data").display()))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .expect("mariadb-install-db runs (scripts/ensure-mariadb installs MariaDB)");
        assert!(status.success(), "mariadb-install-db failed");
        let mut server = PrivateMariadb {
            dir,
            port: free_port(),
            server: None,
        };
        server.start();
        server
    }

    fn start(&mut self) {
        let dir = self.dir.path();
        let child = Command::new("/usr/sbin/mariadbd")
            .args([
                "--no-defaults",
                "--user=root",
                "--skip-grant-tables",
                "--bind-address=127.0.0.1",
            ])
            .args(["--innodb-buffer-pool-size=16M", "--skip-log-bin"])
            .arg(format!("--port={}", self.port))
            .arg(format!("--datadir={}", dir.join("data").display()))
            .arg(format!("--socket={}", dir.join("mysqld.sock").display()))
            .arg(format!("--pid-file={}", dir.join("mysqld.pid").display()))
            .arg(format!("--log-error={}", dir.join("error.log").display()))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("mariadbd starts");
        self.server = Some(child);
        let started = Instant::now();
        while TcpStream::connect(("127.0.0.1", self.port)).is_err() {
            assert!(
                started.elapsed() < Duration::from_secs(60),
                "private MariaDB did not start: {}",
                error_log(dir)
            );
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    /// Kills the server outright, as a crash would.
    fn kill(&mut self) {
        if let Some(mut child) = self.server.take() {
            child.kill().unwrap();
            child.wait().unwrap();
        }
    }

    fn url(&self, database: &str) -> String {
        format!("mysql://root@127.0.0.1:{}/{database}", self.port)
    }
}

fn error_log(dir: &Path) -> String {
    std::fs::read_to_string(dir.join("error.log")).unwrap_or_default()
}

impl Drop for PrivateMariadb {
    fn drop(&mut self) {
        self.kill();
    }
}

/// Sends a request, failing the test if it takes longer than `limit` (a hang).
async fn within(
    app: &axum::Router,
    request: axum::http::Request<axum::body::Body>,
    limit: Duration,
) -> Reply {
    tokio::time::timeout(limit, send(app, request))
        .await
        .expect("the service answered instead of hanging")
}

#[tokio::test]
async fn outage_gives_503_and_the_service_recovers() {
    let mut mariadb = PrivateMariadb::install();
    let admin = sqlx::MySqlPool::connect(&mariadb.url("mysql"))
        .await
        .unwrap();
    sqlx::query("CREATE DATABASE outage")
        .execute(&admin)
        .await
        .unwrap();
    admin.close().await;

    let settings = PoolSettings {
        max_connections: 4,
        acquire_timeout: Duration::from_secs(2),
    };
    let db = Db::connect(&DatabaseTarget::Url(mariadb.url("outage")), settings)
        .await
        .unwrap();
    db.migrate().await.unwrap();
    seeded(&db).await;
    let app = employees::app(state(db).await);
    let token = login(&app, BEHAI).await;
    assert_eq!(
        send(&app, with_bearer(get("/users/me"), &token))
            .await
            .status,
        StatusCode::OK
    );

    mariadb.kill();
    // The acquire timeout is 2 s; anything past 15 s is a hang.
    let limit = Duration::from_secs(15);
    for _ in 0..2 {
        let reply = within(&app, with_bearer(get("/users/me"), &token), limit).await;
        assert_eq!(
            reply.status,
            StatusCode::SERVICE_UNAVAILABLE,
            "{}",
            reply.text()
        );
        assert_eq!(reply.json()["detail"], "Service temporarily unavailable");
    }
    let reply = within(
        &app,
        form("/token", &format!("username={BEHAI}&password=password")),
        limit,
    )
    .await;
    assert_eq!(
        reply.status,
        StatusCode::SERVICE_UNAVAILABLE,
        "{}",
        reply.text()
    );
    assert_eq!(
        within(&app, get("/readyz"), limit).await.status,
        StatusCode::SERVICE_UNAVAILABLE
    );
    assert_eq!(
        within(&app, get("/healthz"), limit).await.status,
        StatusCode::OK,
        "still alive"
    );

    mariadb.start();
    let started = Instant::now();
    loop {
        let reply = within(&app, with_bearer(get("/users/me"), &token), limit).await;
        if reply.status == StatusCode::OK {
            break;
        }
        assert!(
            started.elapsed() < Duration::from_secs(30),
            "no recovery: {} {}",
            reply.status,
            reply.text()
        );
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
    assert_eq!(send(&app, get("/readyz")).await.status, StatusCode::OK);
    assert_eq!(
        post_token(&app, &format!("username={BEHAI}&password=password"))
            .await
            .status,
        StatusCode::OK
    );
}
