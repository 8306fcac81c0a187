//! Shared test helpers.

use std::{num::NonZeroU32, time::Duration};

use axum::{
    Router,
    body::{Body, Bytes},
    http::{HeaderMap, Request, StatusCode},
};
pub use employees::startup::Wiring;
use employees::{
    clock::Clock,
    config::{RecoveryPolicy, SearchLimits},
    db::Db,
    seeding::DefaultPassword,
    service::{
        jwt::{JwtKeys, TokenSettings},
        keys::{KeyPolicy, KeyRing},
        sessions::SessionPolicy,
    },
    state::{AppState, Limits},
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

/// Token keys on `db`'s signing keys (made if there are none), as the service's own.
pub async fn jwt_keys(db: &Db) -> JwtKeys {
    let policy = KeyPolicy {
        rotation: Duration::from_secs(90 * 24 * 3600),
        publish_ahead: Duration::from_secs(300),
        keep_retired: Duration::from_secs(31 * 60),
    };
    let ring = KeyRing::start(db.clone(), SECRET, Clock::system(), policy)
        .await
        .expect("signing keys");
    let settings = TokenSettings {
        issuer: ISSUER.to_owned(),
        hs256_issuer: ISSUER.to_owned(),
        audience: AUDIENCE.to_owned(),
        lifetime: Duration::from_secs(30 * 60),
    };
    JwtKeys::new(std::sync::Arc::new(ring), SECRET, settings)
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

/// What the tests build the state from: the binary's defaults, at the tests' bcrypt cost and
/// secret. Change a field with `Wiring { field, ..wiring() }`.
pub fn wiring() -> Wiring {
    Wiring {
        secret: SECRET.to_vec(),
        issuer: ISSUER.to_owned(),
        hs256_issuer: ISSUER.to_owned(),
        audience: AUDIENCE.to_owned(),
        key_rotation: Duration::from_secs(90 * 24 * 3600),
        jwks_max_age: Duration::from_secs(300),
        access_lifetime: Duration::from_secs(30 * 60),
        clock: Clock::system(),
        session_policy: session_policy(),
        bcrypt_cost: TEST_COST,
        failures_per_minute: NonZeroU32::new(10).unwrap(),
        mfa: Default::default(),
        cookie_secure: false,
        trusted_proxies: Vec::new(),
        limits: Limits::default(),
        search_limits: SearchLimits::default(),
        recovery: RecoveryPolicy::default(),
        metrics: true,
        login_pause: None,
    }
}

/// The state the binary would build from `wiring` (through `startup::wire`, as the binary does).
pub async fn wired(db: &Db, wiring: Wiring) -> AppState {
    employees::startup::wire(db.clone(), wiring)
        .await
        .expect("the state is built")
}

/// The state with `failures_per_minute` failed logins allowed a minute.
pub async fn state_failing_at(db: &Db, failures_per_minute: u32) -> AppState {
    let failures_per_minute = NonZeroU32::new(failures_per_minute).unwrap();
    wired(
        db,
        Wiring {
            failures_per_minute,
            ..wiring()
        },
    )
    .await
}

pub async fn state(db: Db) -> AppState {
    wired(&db, wiring()).await
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
        client_id: None,
        amr: "pwd".to_owned(),
    };
    let mut tx = db.begin().await.unwrap();
    employees::repository::sessions::insert(&mut tx, &session)
        .await
        .unwrap();
    tx.commit().await.unwrap();
}

/// An access token of a session that used a second factor (a passkey's `amr`): what changing
/// factors needs once the employee has one.
pub async fn strong_session_token(db: &Db, state: &AppState, emp_no: i32) -> String {
    let sid = uuid::Uuid::new_v4().simple().to_string();
    start_session_with(db, emp_no, &sid).await;
    employees::dispatch!(db, pool => {
        sqlx::query("UPDATE sessions SET amr = 'hwk user mfa' WHERE sid = ?")
            .bind(&sid).execute(pool).await.unwrap();
    });
    let amr = employees::domain::amr::Amr::Passkey;
    let keys = state.auth.jwt();
    keys.issue_for(emp_no, "me", &sid, "first-party", amr)
        .unwrap()
        .0
}

/// An access token of a session started with [`start_session`].
pub async fn session_token(db: &Db, emp_no: i32, scope: &str) -> String {
    let sid = start_session(db, emp_no).await;
    jwt_keys(db).await.issue(emp_no, scope, &sid).unwrap().0
}
