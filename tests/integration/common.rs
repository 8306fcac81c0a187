//! Shared test helpers.

use std::{num::NonZeroU32, sync::Arc, time::Duration};

use axum::{
    Router,
    body::{Body, Bytes},
    http::{HeaderMap, Request, StatusCode},
};
use employees::{
    clock::Clock,
    db::Db,
    seeding::DefaultPassword,
    service::{
        audit::AuditService,
        auth::{AuthConfig, AuthService},
        directory::DirectoryService,
        hr::HrService,
        jwt::JwtKeys,
        sessions::{RefreshKey, SessionPolicy, SessionService},
    },
    state::{AppState, Limits, Services, WebSettings},
    telemetry::metrics::Metrics,
};
use http_body_util::BodyExt;
use tower::ServiceExt;

/// Low bcrypt cost: the tests check behaviour, not hashing speed.
pub const TEST_COST: u32 = 4;
pub const SECRET: &[u8] = b"test-secret-test-secret-test-secret-0123456789";
pub const ISSUER: &str = "employees";
pub const AUDIENCE: &str = "employees";

/// Defines `mod $name { mysql, sqlite }`: the async fn `$body(Db)` run on a fresh, migrated
/// database of each backend.
macro_rules! dual_test {
    ($name:ident, $body:ident) => {
        mod $name {
            #[sqlx::test(migrator = "employees::db::MYSQL_MIGRATOR")]
            async fn mysql(pool: sqlx::MySqlPool) {
                super::$body(employees::db::Db::MySql(pool)).await
            }
            #[sqlx::test(migrator = "employees::db::SQLITE_MIGRATOR")]
            async fn sqlite(pool: sqlx::SqlitePool) {
                super::$body(employees::db::Db::Sqlite(pool)).await
            }
        }
    };
}

pub fn default_password() -> DefaultPassword {
    DefaultPassword {
        password: "password".into(),
        cost: TEST_COST,
    }
}

pub fn jwt_keys() -> JwtKeys {
    JwtKeys::new(SECRET, ISSUER, AUDIENCE, Duration::from_secs(30 * 60))
}

/// Login rules as the defaults make them (10 failures a minute), at the tests' bcrypt cost.
pub async fn auth_service(db: &Db, failures_per_minute: u32) -> AuthService {
    auth_service_at(db, TEST_COST, failures_per_minute).await
}

/// The defaults: a day idle, seven days at most, ten seconds' grace.
pub fn session_policy() -> SessionPolicy {
    SessionPolicy {
        idle: Duration::from_secs(24 * 3600),
        max: Duration::from_secs(7 * 24 * 3600),
        reuse_grace: Duration::from_secs(10),
        refreshes_per_minute: 12,
        sessions_per_employee: 20,
    }
}

/// Login rules at a given bcrypt cost (new hashes, the dummy hash, and what stored ones converge to).
pub async fn auth_service_at(db: &Db, bcrypt_cost: u32, failures_per_minute: u32) -> AuthService {
    let sessions = Sessions {
        clock: Clock::system(),
        policy: session_policy(),
        access_lifetime: Duration::from_secs(30 * 60),
    };
    auth_service_with(db, bcrypt_cost, failures_per_minute, sessions).await
}

/// How a test wants its sessions: its clock, their lifetimes, the access token's.
pub struct Sessions {
    pub clock: Clock,
    pub policy: SessionPolicy,
    pub access_lifetime: Duration,
}

/// Login rules with sessions of the test's own.
pub async fn auth_service_with(
    db: &Db,
    bcrypt_cost: u32,
    failures_per_minute: u32,
    sessions: Sessions,
) -> AuthService {
    let jwt = Arc::new(JwtKeys::with_clock(
        SECRET,
        ISSUER,
        AUDIENCE,
        sessions.access_lifetime,
        sessions.clock,
    ));
    let policy = sessions.policy;
    let sessions = Arc::new(SessionService::new(
        db.clone(),
        jwt.clone(),
        policy,
        RefreshKey::derive(SECRET),
        Metrics::on(db.backend_name()),
    ));
    AuthService::new(
        db.clone(),
        jwt,
        sessions,
        AuthConfig {
            bcrypt_cost,
            failures_per_minute: NonZeroU32::new(failures_per_minute).unwrap(),
            attempt_wait: std::time::Duration::from_secs(5),
        },
    )
    .await
    .expect("auth service")
}

/// The directory service as the binary builds it (cursors sealed with the test secret).
pub fn directory(db: &Db) -> DirectoryService {
    DirectoryService::new(db.clone(), SECRET)
}

/// The HR service as the binary builds it (tags sealed with the test secret).
pub fn hr(db: &Db, metrics: &Metrics) -> HrService {
    HrService::new(db.clone(), SECRET, TEST_COST, metrics.clone())
}

/// Browser settings as the defaults make them: cookies not `Secure`, no trusted proxy.
pub fn web_settings() -> WebSettings {
    WebSettings::new(SECRET, false, &[])
}

pub async fn state_with(
    db: Db,
    failures_per_minute: u32,
    web: WebSettings,
    limits: Limits,
) -> AppState {
    let auth = auth_service(&db, failures_per_minute).await;
    state_of(db, auth, web, limits)
}

/// The state around a given auth service, recording into its metrics.
pub fn state_of(db: Db, auth: AuthService, web: WebSettings, limits: Limits) -> AppState {
    let metrics = auth.sessions().metrics().clone();
    let services = Services {
        directory: directory(&db),
        hr: hr(&db, &metrics),
        audit: AuditService::new(db.clone(), SECRET),
        auth,
        metrics,
    };
    AppState::new(db, services, web, limits)
}

pub async fn state(db: Db) -> AppState {
    state_with(db, 10, web_settings(), Limits::default()).await
}

/// Seeds `seed/` into the database.
pub async fn seeded(db: &Db) {
    employees::seeding::load_seed(db, &default_password(), 1_000)
        .await
        .expect("seed loads");
}

pub struct Reply {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: Bytes,
}

impl Reply {
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_slice(&self.body).unwrap_or_else(|e| {
            panic!(
                "body is not JSON ({e}): {}",
                String::from_utf8_lossy(&self.body)
            )
        })
    }
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }
    /// The `Set-Cookie` line that sets the cookie `name`.
    pub fn set_cookie(&self, name: &str) -> Option<String> {
        self.headers
            .get_all("set-cookie")
            .iter()
            .filter_map(|v| v.to_str().ok())
            .find(|v| v.starts_with(&format!("{name}=")))
            .map(str::to_owned)
    }
}

/// Sends one request through the router, as the server would.
pub async fn send(app: &Router, request: Request<Body>) -> Reply {
    let response = app.clone().oneshot(request).await.expect("router answers");
    let status = response.status();
    let headers = response.headers().clone();
    let body = response
        .into_body()
        .collect()
        .await
        .expect("body")
        .to_bytes();
    Reply {
        status,
        headers,
        body,
    }
}

pub fn get(uri: &str) -> Request<Body> {
    Request::get(uri).body(Body::empty()).expect("request")
}

pub fn form(uri: &str, body: &str) -> Request<Body> {
    Request::post(uri)
        .header("content-type", "application/x-www-form-urlencoded")
        .body(Body::from(body.to_owned()))
        .expect("request")
}

pub fn json(uri: &str, body: serde_json::Value) -> Request<Body> {
    Request::post(uri)
        .header("content-type", "application/json")
        .body(Body::from(body.to_string()))
        .expect("request")
}

/// A browser's form submission (`Accept` as Chromium sends it).
pub fn browser_form(uri: &str, body: &str) -> Request<Body> {
    let mut request = form(uri, body);
    request.headers_mut().insert(
        "accept",
        "text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,*/*;q=0.8"
            .parse()
            .unwrap(),
    );
    request
}

pub fn with_bearer(mut request: Request<Body>, token: &str) -> Request<Body> {
    request
        .headers_mut()
        .insert("authorization", format!("Bearer {token}").parse().unwrap());
    request
}

pub fn with_cookie(mut request: Request<Body>, token: &str) -> Request<Body> {
    request
        .headers_mut()
        .insert("cookie", format!("access_token={token}").parse().unwrap());
    request
}

pub const BEHAI: &str = "behai_nguyen@hotmail.com";
pub const PRANAV: &str = "pranav.furedi.10198@gmail.com";

/// `POST /token` with a form body, as an API client sends it.
pub async fn post_token(app: &Router, body: &str) -> Reply {
    send(app, form("/token", body)).await
}

/// Logs in through `POST /token` and returns the access token.
pub async fn login(app: &Router, email: &str) -> String {
    let reply = post_token(app, &format!("username={email}&password=password")).await;
    assert_eq!(
        reply.status,
        StatusCode::OK,
        "login of {email}: {}",
        reply.text()
    );
    reply.json()["access_token"]
        .as_str()
        .expect("token")
        .to_owned()
}

/// The email of a seeded employee, looked up by emp_no.
pub async fn email_of(db: &Db, emp_no: i32) -> String {
    employees::dispatch!(db, pool => {
        sqlx::query_scalar("SELECT email FROM employees WHERE emp_no = ?")
            .bind(emp_no)
            .fetch_one(pool)
            .await
            .expect("employee has an email")
    })
}

/// The seed's employee with `hr` alone (Human Resources).
pub const HR_EMP_NO: i32 = 500025;

/// Former employees in seed/ (all their dept_emp rows have ended).
pub const FORMER_EMP_NO: i32 = 500010;
/// The current manager of d001 in seed/.
pub const MANAGER_EMP_NO: i32 = 500001;

/// Starts a session for an employee directly in the database (live for a day from the system
/// clock) and returns its sid: for tokens a login could not give (a former employee's).
pub async fn start_session(db: &Db, emp_no: i32) -> String {
    let sid = uuid::Uuid::new_v4().simple().to_string();
    start_session_with(db, emp_no, &sid).await;
    sid
}

/// [`start_session`] with a given sid.
pub async fn start_session_with(db: &Db, emp_no: i32, sid: &str) {
    let now = chrono::Utc::now().timestamp();
    let sid = sid.to_owned();
    let session = employees::domain::session::Session {
        sid: sid.clone(),
        emp_no,
        scope: "me".to_owned(),
        started_at: now,
        last_used_at: now,
        expires_at: now + 86_400,
        live_until: now + 86_400,
        ended_at: None,
        ip: None,
        user_agent: None,
    };
    let mut tx = db.begin().await.unwrap();
    employees::repository::sessions::insert(&mut tx, &session)
        .await
        .unwrap();
    tx.commit().await.unwrap();
}

/// An access token of a session started with [`start_session`].
pub async fn session_token(db: &Db, emp_no: i32, scope: &str) -> String {
    let sid = start_session(db, emp_no).await;
    jwt_keys().issue(emp_no, scope, &sid).unwrap().0
}
