//! The ceilings the service is measured against (`bench/run` calls this):
//!
//! - `lookup URL CONNECTIONS SECONDS`: the `/users/me` statement (profile, roles, session) issued straight to the
//!   database through sqlx, CONNECTIONS at once, on random seeded emp_nos: the raw ceiling for
//!   `GET /users/me` on this machine.
//! - `pk URL CONNECTIONS SECONDS`: a plain primary-key `SELECT` of an employee through sqlx, the
//!   same way: the ceiling of any request that reads the database at all, and the one an
//!   authenticated request is measured against (it costs one primary-key lookup when its
//!   profile is cached).
//! - `bcrypt COST ROUNDS`: the time of one bcrypt verification at COST, for the `/token` target
//!   (cores ÷ that time).
//! - `jwt ROUNDS`: one signature and one verification of an access token with ES256, RS256 and
//!   HS256, in microseconds.
//!
//! Prints one JSON object on stdout.

use std::{
    sync::{
        Arc,
        atomic::{AtomicU64, Ordering},
    },
    time::{Duration, Instant},
};

use rand::{RngExt, SeedableRng};

#[tokio::main]
async fn main() {
    let args: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| a != "--bench")
        .collect();
    match args.first().map(String::as_str) {
        Some("lookup") => {
            lookup(&args[1], args[2].parse().unwrap(), args[3].parse().unwrap()).await
        }
        Some("pk") => pk(&args[1], args[2].parse().unwrap(), args[3].parse().unwrap()).await,
        Some("bcrypt") => bcrypt_verify(args[1].parse().unwrap(), args[2].parse().unwrap()),
        Some("jwt") => jwt_costs(args[1].parse().unwrap()),
        _ => {
            eprintln!(
                "usage: ceiling lookup|pk URL CONNECTIONS SECONDS | ceiling bcrypt COST ROUNDS | ceiling jwt ROUNDS"
            )
        }
    }
}

/// A pool of `connections` and the first 10,000 employees (the statements' keys).
async fn connect(url: &str, connections: u32) -> (employees::db::Db, Arc<Vec<i32>>) {
    let target = employees::config::DatabaseTarget::Url(url.to_owned());
    let settings = employees::db::PoolSettings {
        max_connections: connections,
        acquire_timeout: Duration::from_secs(10),
    };
    let db = employees::db::Db::connect(&target, settings)
        .await
        .expect("database");
    let emp_nos = employees::dispatch!(&db, pool => {
        sqlx::query_scalar("SELECT emp_no FROM employees ORDER BY emp_no LIMIT 10000")
            .fetch_all(pool)
            .await
            .expect("employees")
    });
    (db, Arc::new(emp_nos))
}

/// Runs `statement` on random employees from `connections` tasks at once for `seconds`, and
/// prints the rate and latencies as one JSON object.
async fn drive<F, Fut>(
    db: &employees::db::Db,
    emp_nos: &Arc<Vec<i32>>,
    connections: u32,
    seconds: u64,
    statement: F,
) where
    F: Fn(employees::db::Db, i32) -> Fut + Clone + Send + 'static,
    Fut: std::future::Future<Output = ()> + Send,
{
    let done = Arc::new(AtomicU64::new(0));
    let latencies = Arc::new(std::sync::Mutex::new(Vec::new()));
    let deadline = Instant::now() + Duration::from_secs(seconds);
    let mut tasks = Vec::new();
    for worker in 0..connections {
        let (db, emp_nos, done, latencies, statement) = (
            db.clone(),
            emp_nos.clone(),
            done.clone(),
            latencies.clone(),
            statement.clone(),
        );
        tasks.push(tokio::spawn(async move {
            let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(u64::from(worker));
            let mut mine = Vec::new();
            while Instant::now() < deadline {
                let emp_no = emp_nos[rng.random_range(0..emp_nos.len())];
                let started = Instant::now();
                statement(db.clone(), emp_no).await;
                mine.push(started.elapsed());
                done.fetch_add(1, Ordering::Relaxed);
            }
            latencies.lock().unwrap().extend(mine);
        }));
    }
    let started = Instant::now();
    for task in tasks {
        task.await.unwrap();
    }
    let elapsed = started.elapsed().as_secs_f64();
    let mut latencies = latencies.lock().unwrap().clone();
    latencies.sort();
    let percentile = |p: f64| {
        latencies[((latencies.len() as f64 * p) as usize).min(latencies.len() - 1)].as_secs_f64()
            * 1e3
    };
    println!(
        "{{\"rps\": {:.1}, \"p50_ms\": {:.3}, \"p99_ms\": {:.3}, \"requests\": {}}}",
        done.load(Ordering::Relaxed) as f64 / elapsed,
        percentile(0.50),
        percentile(0.99),
        latencies.len()
    );
}

/// The statement an authenticated request sends when its profile is not cached: profile, roles
/// and the token's session.
async fn lookup(url: &str, connections: u32, seconds: u64) {
    let (db, emp_nos) = connect(url, connections).await;
    // A live session per employee, as every token has: the statement reads it by primary key.
    let now = chrono::Utc::now().timestamp();
    let mut tx = db.begin().await.expect("transaction");
    for emp_no in emp_nos.iter() {
        let session = employees::domain::session::Session {
            sid: format!("{:032x}", emp_no),
            emp_no: *emp_no,
            scope: "me".to_owned(),
            started_at: now,
            last_used_at: now,
            expires_at: now + 3600,
            live_until: now + 3600,
            ended_at: None,
            ip: None,
            user_agent: Some("ceiling bench".to_owned()),
            client_id: None,
            amr: "pwd".to_owned(),
        };
        employees::repository::sessions::insert(&mut tx, &session)
            .await
            .expect("session");
    }
    tx.commit().await.expect("commit");
    drive(
        &db,
        &emp_nos,
        connections,
        seconds,
        |db, emp_no| async move {
            let sid = format!("{emp_no:032x}");
            let token = employees::domain::TokenRef {
                sid: &sid,
                emp_no,
                now: chrono::Utc::now().timestamp(),
            };
            let found = employees::repository::employees::find_account_unless_revoked(&db, &token)
                .await
                .expect("query");
            assert!(found.is_some());
        },
    )
    .await;
    employees::dispatch!(&db, pool => {
        sqlx::query("DELETE FROM sessions WHERE user_agent = 'ceiling bench'")
            .execute(pool)
            .await
            .map(drop)
            .expect("clean up")
    });
}

/// A plain primary-key `SELECT` of an employee's row.
async fn pk(url: &str, connections: u32, seconds: u64) {
    let (db, emp_nos) = connect(url, connections).await;
    drive(
        &db,
        &emp_nos,
        connections,
        seconds,
        |db, emp_no| async move {
            let name: Option<(String, String)> = employees::dispatch!(&db, pool => {
                sqlx::query_as("SELECT first_name, last_name FROM employees WHERE emp_no = ?")
                    .bind(emp_no)
                    .fetch_optional(pool)
                    .await
                    .expect("query")
            });
            assert!(name.is_some());
        },
    )
    .await;
}

fn bcrypt_verify(cost: u32, rounds: u32) {
    let hash = bcrypt::hash("password", cost).unwrap();
    let started = Instant::now();
    for _ in 0..rounds {
        assert!(bcrypt::verify("password", &hash).unwrap());
    }
    let per = started.elapsed().as_secs_f64() / f64::from(rounds);
    println!("{{\"cost\": {cost}, \"verify_ms\": {:.2}}}", per * 1e3);
}

/// One signature and one verification of an access token's claims, per algorithm, in
/// microseconds: ES256 (what the service signs with), RS256 (for clients that ask), HS256 (what
/// it signed with before), beside bcrypt's milliseconds.
fn jwt_costs(rounds: u32) {
    use employees::service::keys::material::{KeyAlg, generate};
    use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
    let now = chrono::Utc::now().timestamp();
    let claims = serde_json::json!({
        "sub": "500222", "iat": now, "exp": now + 1800, "jti": "8d4c1f7e-0000-4000-8000-000000000001",
        "iss": "http://127.0.0.1:8000", "aud": "employees", "client_id": "first-party",
        "scope": "me directory hr admin", "sid": "0123456789abcdef0123456789abcdef",
    });
    let mut costs = Vec::new();
    for (name, alg) in [
        ("es256", Some(KeyAlg::Es256)),
        ("rs256", Some(KeyAlg::Rs256)),
        ("hs256", None),
    ] {
        let (encoding, decoding, algorithm) = match alg {
            Some(alg) => {
                let key = generate(alg).expect("a key");
                let encoding =
                    employees::service::keys::material::encoding_key(alg, &key.private_der);
                (
                    encoding,
                    DecodingKey::from_jwk(&key.jwk).unwrap(),
                    alg.algorithm(),
                )
            }
            None => {
                let secret = b"bench-secret-bench-secret-bench-secret-0001";
                (
                    EncodingKey::from_secret(secret),
                    DecodingKey::from_secret(secret),
                    Algorithm::HS256,
                )
            }
        };
        let header = Header::new(algorithm);
        let started = Instant::now();
        let mut token = String::new();
        for _ in 0..rounds {
            token = jsonwebtoken::encode(&header, &claims, &encoding).unwrap();
        }
        let sign_us = started.elapsed().as_secs_f64() * 1e6 / f64::from(rounds);
        let mut validation = Validation::new(algorithm);
        validation.set_audience(&["employees"]);
        let started = Instant::now();
        for _ in 0..rounds {
            jsonwebtoken::decode::<serde_json::Value>(&token, &decoding, &validation).unwrap();
        }
        let verify_us = started.elapsed().as_secs_f64() * 1e6 / f64::from(rounds);
        costs.push(format!(
            "\"{name}_sign_us\": {sign_us:.1}, \"{name}_verify_us\": {verify_us:.1}"
        ));
    }
    println!("{{{}}}", costs.join(", "));
}
