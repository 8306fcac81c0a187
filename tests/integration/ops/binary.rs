//! The binary as a newcomer runs it: no configuration at all, then bad configuration.

use std::{
    process::{Child, Command, Stdio},
    time::{Duration, Instant},
};

const BIN: &str = env!("CARGO_BIN_EXE_employees");

/// The binary with a clean environment: no DATABASE_URL (the tests' own is for sqlx::test) and
/// a working directory of its own, so no `.env` is read.
pub fn command(dir: &std::path::Path) -> Command {
    let mut command = Command::new(BIN);
    command
        .current_dir(dir)
        .env_remove("DATABASE_URL")
        .env_remove("JWT_SECRET")
        .env("BCRYPT_COST", "4")
        .env("RUST_LOG", "info")
        // Any free port: several services run at once here, and 9000 may be taken.
        .env("METRICS_BIND_ADDR", "127.0.0.1:0")
        .stdin(Stdio::null());
    command
}

pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// Polls `url` until it answers 200 or `timeout` passes.
pub async fn wait_until_up(url: &str, child: &mut Child, timeout: Duration) {
    let started = Instant::now();
    loop {
        if let Ok(response) = reqwest::get(url).await
            && response.status().is_success()
        {
            return;
        }
        if let Ok(Some(status)) = child.try_wait() {
            panic!("the service exited early with {status}");
        }
        assert!(
            started.elapsed() < timeout,
            "{url} did not come up in {timeout:?}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

fn terminate(child: &mut Child) -> std::process::ExitStatus {
    let status = Command::new("kill")
        .arg("-TERM")
        .arg(child.id().to_string())
        .status()
        .unwrap();
    assert!(status.success());
    let started = Instant::now();
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            return status;
        }
        assert!(
            started.elapsed() < Duration::from_secs(10),
            "no exit after SIGTERM"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// A running `serve` of the binary on a free port, its stderr captured; killed when dropped.
pub struct Service {
    pub child: Child,
    pub port: u16,
    pub base: String,
}

impl Service {
    /// Starts the binary in `dir` with extra variables and waits until `/readyz` answers.
    pub async fn start(dir: &std::path::Path, envs: &[(&str, &str)]) -> Service {
        let port = free_port();
        let mut command = command(dir);
        command
            .env("BIND_ADDR", format!("127.0.0.1:{port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::piped());
        for (key, value) in envs {
            command.env(key, value);
        }
        let mut child = command.spawn().unwrap();
        let base = format!("http://127.0.0.1:{port}");
        wait_until_up(
            &format!("{base}/readyz"),
            &mut child,
            Duration::from_secs(30),
        )
        .await;
        Service { child, port, base }
    }

    /// SIGTERM, then everything the service wrote to stderr; asserts a clean exit.
    pub fn stop(mut self) -> String {
        let status = terminate(&mut self.child);
        assert!(status.success(), "graceful shutdown exits 0, got {status}");
        let mut stderr = String::new();
        std::io::Read::read_to_string(self.child.stderr.as_mut().unwrap(), &mut stderr).unwrap();
        stderr
    }
}

impl Drop for Service {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[tokio::test]
async fn fresh_machine_serves_seeded_sqlite_and_stops_on_sigterm() {
    let dir = tempfile::tempdir().unwrap();
    let service = Service::start(dir.path(), &[]).await;
    let live = reqwest::get(format!("{}/healthz", service.base))
        .await
        .unwrap();
    assert_eq!(live.status(), 200);

    let stderr = service.stop();
    assert!(
        stderr.contains("JWT_SECRET is unset"),
        "warns about the per-run key: {stderr}"
    );
    assert!(stderr.contains("shutdown signal received"), "{stderr}");

    // The SQLite file was created, migrated and seeded with the contract's accounts.
    let file = dir.path().join("employees.db");
    assert!(file.exists());
    let pool = sqlx::SqlitePool::connect(&format!("sqlite://{}", file.display()))
        .await
        .unwrap();
    let emails: Vec<String> = sqlx::query_scalar(
        "SELECT email FROM employees WHERE emp_no IN (10198, 500222) ORDER BY emp_no",
    )
    .fetch_all(&pool)
    .await
    .unwrap();
    assert_eq!(
        emails,
        ["pranav.furedi.10198@gmail.com", "behai_nguyen@hotmail.com"]
    );
}

#[tokio::test]
async fn placeholder_secret_runs_locally_with_a_warning() {
    let dir = tempfile::tempdir().unwrap();
    let envs = [
        ("JWT_SECRET", "changethis-changethis-changethis-changethis"),
        ("ENVIRONMENT", "local"),
    ];
    let stderr = Service::start(dir.path(), &envs).await.stop();
    assert!(
        stderr.contains("JWT_SECRET is the placeholder of .env.example"),
        "{stderr}"
    );
    assert!(stderr.contains("WARN"), "{stderr}");
}

fn run_expecting_failure(envs: &[(&str, &str)], args: &[&str]) -> String {
    let dir = tempfile::tempdir().unwrap();
    let mut command = command(dir.path());
    command.args(args).env("DB_CONNECT_RETRY_SECS", "0");
    for (key, value) in envs {
        command.env(key, value);
    }
    let output = command.output().unwrap();
    assert!(!output.status.success(), "expected a failure for {envs:?}");
    String::from_utf8_lossy(&output.stderr).into_owned()
}

#[test]
fn bad_configuration_stops_with_the_variable_named() {
    let stderr = run_expecting_failure(&[("JWT_SECRET", "short")], &["migrate"]);
    assert!(
        stderr.contains("JWT_SECRET") && stderr.contains("32 bytes"),
        "{stderr}"
    );

    let stderr = run_expecting_failure(&[("DATABASE_URL", "postgres://x/y")], &["migrate"]);
    assert!(stderr.contains("DATABASE_URL"), "{stderr}");

    let stderr = run_expecting_failure(&[("ACCESS_TOKEN_EXPIRE_MINUTES", "soon")], &[]);
    assert!(stderr.contains("ACCESS_TOKEN_EXPIRE_MINUTES"), "{stderr}");

    let stderr = run_expecting_failure(&[("BIND_ADDR", "nowhere")], &[]);
    assert!(stderr.contains("BIND_ADDR"), "{stderr}");

    let stderr = run_expecting_failure(&[("BCRYPT_COST", "2")], &["seed"]);
    assert!(stderr.contains("BCRYPT_COST"), "{stderr}");

    // The placeholder of .env.example is refused unless ENVIRONMENT=local.
    let placeholder = "changethis-changethis-changethis-changethis";
    let stderr = run_expecting_failure(&[("JWT_SECRET", placeholder)], &["migrate"]);
    assert!(stderr.contains("JWT_SECRET is the placeholder"), "{stderr}");
    let stderr = run_expecting_failure(
        &[("JWT_SECRET", placeholder), ("ENVIRONMENT", "production")],
        &["migrate"],
    );
    assert!(stderr.contains("JWT_SECRET is the placeholder"), "{stderr}");
    let stderr = run_expecting_failure(&[("ENVIRONMENT", "staging")], &["migrate"]);
    assert!(stderr.contains("ENVIRONMENT"), "{stderr}");

    // With a database named, serving needs a real secret.
    let stderr = run_expecting_failure(&[("DATABASE_URL", "sqlite://x.db?mode=rwc")], &["serve"]);
    assert!(
        stderr.contains("JWT_SECRET is required when DATABASE_URL is set"),
        "{stderr}"
    );
}

/// Two instances on one host: an address another process holds stops the start with the
/// variable and the address named, before anything logs `listening`.
#[test]
fn a_taken_address_is_named_before_listening() {
    let held = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let taken = held.local_addr().unwrap().to_string();
    let free = format!("127.0.0.1:{}", free_port());
    for (variable, envs) in [
        (
            "METRICS_BIND_ADDR",
            [("BIND_ADDR", free.as_str()), ("METRICS_BIND_ADDR", &taken)],
        ),
        (
            "BIND_ADDR",
            [
                ("BIND_ADDR", taken.as_str()),
                ("METRICS_BIND_ADDR", "127.0.0.1:0"),
            ],
        ),
    ] {
        let stderr = run_expecting_failure(&envs, &["serve"]);
        assert!(
            stderr.contains(&format!("{variable}={taken}")),
            "{variable}: {stderr}"
        );
        assert!(!stderr.contains("listening"), "{variable}: {stderr}");
    }
}

#[tokio::test]
async fn clients_that_never_finish_their_headers_are_cut_off() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let dir = tempfile::tempdir().unwrap();
    let service = Service::start(dir.path(), &[("HEADER_READ_TIMEOUT_SECS", "1")]).await;
    let port = service.port;

    let mut stream = tokio::net::TcpStream::connect(("127.0.0.1", port))
        .await
        .unwrap();
    stream
        .write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\nX-Slow: ")
        .await
        .unwrap();
    let mut rest = Vec::new();
    let closed = tokio::time::timeout(Duration::from_secs(10), stream.read_to_end(&mut rest)).await;
    assert!(
        closed.is_ok(),
        "the half-sent request still holds its connection after 10 s"
    );
    assert!(!String::from_utf8_lossy(&rest).contains("200 OK"));

    // Meanwhile and afterwards, complete requests are served.
    assert_eq!(
        reqwest::get(format!("http://127.0.0.1:{port}/healthz"))
            .await
            .unwrap()
            .status(),
        200
    );
    service.stop();
}

/// A mail setting that cannot be used stops the start naming its variable; the SMTP password
/// is never printed.
#[test]
fn bad_mail_configuration_is_named_without_its_password() {
    let url = "http://mailer:hunter2-secret@mail.example.com";
    let stderr = run_expecting_failure(&[("SMTP_URL", url)], &["migrate"]);
    assert!(stderr.contains("SMTP_URL"), "{stderr}");
    assert!(!stderr.contains("hunter2-secret"), "{stderr}");
    let stderr = run_expecting_failure(&[("SMTP_FROM", "not an address")], &["migrate"]);
    assert!(stderr.contains("SMTP_FROM"), "{stderr}");
}

/// `serve` says where mail goes: the SMTP server without its credentials, or MAIL_DIR (made).
#[tokio::test]
async fn the_log_says_where_mail_goes() {
    let dir = tempfile::tempdir().unwrap();
    let smtp = [("SMTP_URL", "smtps://mailer:hunter2-secret@127.0.0.1:2525")];
    let stderr = Service::start(dir.path(), &smtp).await.stop();
    assert!(stderr.contains("smtps://127.0.0.1:2525"), "{stderr}");
    assert!(!stderr.contains("hunter2-secret"), "{stderr}");
    let dir = tempfile::tempdir().unwrap();
    let stderr = Service::start(dir.path(), &[]).await.stop();
    assert!(stderr.contains("files in ./mail"), "{stderr}");
    assert!(dir.path().join("mail").is_dir());
}
