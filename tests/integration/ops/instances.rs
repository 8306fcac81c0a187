//! Two instances of the binary on one MariaDB database: a token from one works on the other,
//! logout on one is refused by the other. Both log at TRACE, and their logs are searched for
//! the password, the token and the hash.

use employees::db::Db;

use crate::{common::BEHAI, ops::binary::Service};

const SECRET: &str = "two-instances-share-this-secret-0123456789";

async fn start(database_url: &str, dir: &std::path::Path) -> Service {
    let envs = [
        ("DATABASE_URL", database_url),
        ("JWT_SECRET", SECRET),
        ("SEED_ON_START", "false"),
        ("RUST_LOG", "trace"),
    ];
    Service::start(dir, &envs).await
}

/// The URL of the database `sqlx::test` made for this test: the server of DATABASE_URL.
async fn database_url(pool: &sqlx::MySqlPool) -> String {
    let name: String = sqlx::query_scalar("SELECT DATABASE()")
        .fetch_one(pool)
        .await
        .unwrap();
    let mut url = url::Url::parse(&std::env::var("DATABASE_URL").unwrap()).unwrap();
    url.set_path(&name);
    url.to_string()
}

#[sqlx::test(migrator = "employees::db::MYSQL_MIGRATOR")]
async fn two_instances_share_logins_and_logouts(pool: sqlx::MySqlPool) {
    let password = "Plum-Orbit-4417";
    let seed = employees::seeding::DefaultPassword {
        password: password.into(),
        cost: 4,
    };
    let db = Db::MySql(pool.clone());
    employees::seeding::load_seed(&db, &seed, 1_000)
        .await
        .unwrap();
    let url = database_url(&pool).await;
    let dir = tempfile::tempdir().unwrap();
    let a = start(&url, dir.path()).await;
    let b = start(&url, dir.path()).await;
    let http = reqwest::Client::new();

    let reply = http
        .post(format!("{}/token", a.base))
        .form(&[("username", BEHAI), ("password", password)])
        .send()
        .await
        .unwrap();
    assert_eq!(reply.status(), 200);
    let token = reply.json::<serde_json::Value>().await.unwrap()["access_token"]
        .as_str()
        .unwrap()
        .to_owned();

    let me_on_b = || {
        http.get(format!("{}/users/me", b.base))
            .bearer_auth(&token)
            .send()
    };
    assert_eq!(
        me_on_b().await.unwrap().status(),
        200,
        "a token from A works on B"
    );

    let failed = http
        .post(format!("{}/token", b.base))
        .form(&[("username", BEHAI), ("password", "not-the-password")])
        .send()
        .await
        .unwrap();
    assert_eq!(failed.status(), 400);
    // Credentials in the URL are refused, and the URL is logged without its query.
    let in_url = http
        .post(format!(
            "{}/token?username={BEHAI}&password={password}&client_secret=Query-Secret-77",
            b.base
        ))
        .form(&[("username", BEHAI), ("password", password)])
        .send()
        .await
        .unwrap();
    assert_eq!(in_url.status(), 400);
    let in_url = http
        .get(format!("{}/users/me?access_token={token}", b.base))
        .send()
        .await
        .unwrap();
    assert_eq!(in_url.status(), 401);

    let logout = http
        .post(format!("{}/logout", a.base))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(logout.status(), 204);
    let refused = me_on_b().await.unwrap();
    assert_eq!(refused.status(), 401, "B refuses what A revoked");

    let hash: String = sqlx::query_scalar("SELECT password FROM employees WHERE emp_no = 500222")
        .fetch_one(&pool)
        .await
        .unwrap();
    for logs in [a.stop(), b.stop()] {
        assert!(
            logs.contains("session started")
                || logs.contains("session ended")
                || logs.contains("login refused"),
            "{logs}"
        );
        assert!(
            logs.contains("DEBUG"),
            "logged below INFO too (RUST_LOG=trace)"
        );
        assert!(!logs.contains(password), "password in the logs");
        assert!(
            !logs.contains("not-the-password"),
            "a wrong password in the logs"
        );
        assert!(!logs.contains(&token), "token in the logs");
        assert!(
            !logs.contains(token.rsplit('.').next().unwrap()),
            "token signature in the logs"
        );
        assert!(!logs.contains(&hash), "hash in the logs");
        assert!(!logs.contains(SECRET), "secret in the logs");
        assert!(
            !logs.contains("Query-Secret-77"),
            "a client secret in the logs"
        );
    }
}
