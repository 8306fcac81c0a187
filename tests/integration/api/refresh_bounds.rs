//! What one session or one employee can make the database keep (issue 23): rotation writes no
//! row, yet a token spent long ago still ends the session; a session rotates at most
//! `refreshes_per_minute` times a minute; an employee keeps at most `sessions_per_employee` live
//! sessions; refresh tokens from before the generations still work once; housekeeping deletes
//! what no longer counts. Both backends.

use axum::http::StatusCode;
use employees::{
    clock::Clock,
    db::Db,
    repository::sessions,
    service::{housekeeping::Housekeeping, sessions::SessionPolicy},
};
use serde_json::json;

use crate::{
    api::races::live_sessions,
    api::refresh::{app_on, login_pair, me, refresh},
    common::*,
};

fn policy(refreshes_per_minute: u32, sessions_per_employee: u32) -> SessionPolicy {
    SessionPolicy {
        refreshes_per_minute,
        sessions_per_employee,
        ..session_policy()
    }
}

async fn count(db: &Db, sql: &'static str) -> i64 {
    employees::dispatch!(db, pool => sqlx::query_scalar(sql).fetch_one(pool).await.unwrap())
}

fn refresh_token(reply: &Reply) -> String {
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text());
    reply.json()["refresh_token"].as_str().unwrap().to_owned()
}

async fn rotations_keep_no_rows_and_every_spent_token_counts(db: Db) {
    seeded(&db).await;
    let clock = Clock::system();
    let app = app_on(&db, &clock, policy(10, 20)).await;
    let (access, first) = login_pair(&app, PRANAV, "").await;
    let mut token = first.clone();
    for round in 0..30 {
        if round % 10 == 9 {
            clock.advance(61); // a new minute's rotations
        }
        token = refresh_token(&refresh(&app, &token, None).await);
    }
    assert_eq!(count(&db, "SELECT COUNT(*) FROM refresh_tokens").await, 0);
    assert_eq!(count(&db, "SELECT COUNT(*) FROM sessions").await, 1);

    // A forgery that names the session (its sid is in every access token) is refused and ends
    // nothing; so is a real token cut short.
    let sid = token.split('.').next().unwrap();
    let forged = format!("{sid}.0.{}", "A".repeat(43));
    let reply = refresh(&app, &forged, None).await;
    assert_eq!(reply.json()["error"], "invalid_grant", "{}", reply.text());
    let cut = &token[..token.len() - 1];
    assert_eq!(
        refresh(&app, cut, None).await.json()["error"],
        "invalid_grant"
    );
    assert_eq!(
        me(&app, &access).await,
        StatusCode::OK,
        "forgeries end nothing"
    );

    // The login's token, spent 30 rotations ago, still counts as a replay: the session ends.
    clock.advance(11);
    let reply = refresh(&app, &first, None).await;
    assert_eq!(reply.json()["error"], "invalid_grant", "{}", reply.text());
    assert_eq!(me(&app, &access).await, StatusCode::UNAUTHORIZED);
    assert_eq!(
        refresh(&app, &token, None).await.json()["error"],
        "invalid_grant"
    );
}
dual_test!(no_rows, rotations_keep_no_rows_and_every_spent_token_counts);

async fn a_session_rotates_a_bounded_number_of_times_a_minute(db: Db) {
    seeded(&db).await;
    let clock = Clock::system();
    let app = app_on(&db, &clock, policy(3, 20)).await;
    let (access, mut token) = login_pair(&app, PRANAV, "").await;
    for _ in 0..3 {
        token = refresh_token(&refresh(&app, &token, None).await);
    }
    let refused = refresh(&app, &token, None).await;
    assert_eq!(
        refused.status,
        StatusCode::TOO_MANY_REQUESTS,
        "{}",
        refused.text()
    );
    let retry_after: u64 = refused.header("retry-after").unwrap().parse().unwrap();
    assert!((1..=60).contains(&retry_after), "{retry_after}");
    assert!(refused.json()["detail"].is_string());
    // Refused, not spent: the same token rotates once the minute is over, and the session lives.
    assert_eq!(me(&app, &access).await, StatusCode::OK);
    clock.advance(60);
    refresh_token(&refresh(&app, &token, None).await);
}
dual_test!(
    refresh_rate,
    a_session_rotates_a_bounded_number_of_times_a_minute
);

async fn logins_past_the_cap_end_the_oldest_sessions(db: Db) {
    seeded(&db).await;
    let clock = Clock::system();
    let app = app_on(&db, &clock, policy(10, 3)).await;
    let mut tokens = Vec::new();
    for _ in 0..5 {
        tokens.push(login_pair(&app, PRANAV, "").await.0);
        clock.advance(1); // sessions are ordered by their start, in seconds
    }
    assert_eq!(live_sessions(&db, 10198).await, 3);
    let statuses: Vec<StatusCode> = {
        let mut statuses = Vec::new();
        for token in &tokens {
            statuses.push(me(&app, token).await);
        }
        statuses
    };
    use StatusCode as S;
    assert_eq!(
        statuses,
        [S::UNAUTHORIZED, S::UNAUTHORIZED, S::OK, S::OK, S::OK]
    );
    let ended = count(
        &db,
        "SELECT COUNT(*) FROM audit_log WHERE action = 'session.revoke' \
         AND details LIKE '%session limit%'",
    )
    .await;
    assert_eq!(ended, 2, "one entry for each login past the cap");
}
dual_test!(session_cap, logins_past_the_cap_end_the_oldest_sessions);

/// A refresh token from before the generations (a stored random token's hash) rotates once
/// into a sealed one; presented again after the grace, it ends the session.
async fn refresh_tokens_from_before_the_upgrade_still_work(db: Db) {
    seeded(&db).await;
    let clock = Clock::system();
    let app = app_on(&db, &clock, session_policy()).await;
    let (access, _) = login_pair(&app, PRANAV, "").await;
    let sid: String = employees::dispatch!(&db, pool => {
        sqlx::query_scalar("SELECT sid FROM sessions").fetch_one(pool).await.unwrap()
    });
    let legacy = "bGVnYWN5LXJhbmRvbS10b2tlbi1vZi0zMi1ieXRlcy1fXw";
    let hash: String = {
        use sha2::Digest;
        sha2::Sha256::digest(legacy.as_bytes())
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect()
    };
    let mut tx = db.begin().await.unwrap();
    sessions::add_refresh(&mut tx, &hash, &sid, clock.now())
        .await
        .unwrap();
    tx.commit().await.unwrap();

    let sealed = refresh_token(&refresh(&app, legacy, None).await);
    assert!(
        sealed.starts_with(&sid),
        "a sealed token of the same session"
    );
    refresh_token(&refresh(&app, &sealed, None).await);
    clock.advance(11);
    let replay = refresh(&app, legacy, None).await;
    assert_eq!(replay.json()["error"], "invalid_grant", "{}", replay.text());
    assert_eq!(me(&app, &access).await, StatusCode::UNAUTHORIZED);
}
dual_test!(
    legacy_tokens,
    refresh_tokens_from_before_the_upgrade_still_work
);

async fn housekeeping_deletes_what_no_longer_counts(db: Db) {
    seeded(&db).await;
    let clock = Clock::system();
    let app = app_on(&db, &clock, session_policy()).await;
    let (ended, _) = login_pair(&app, PRANAV, "").await;
    let (kept, _) = login_pair(&app, BEHAI, "").await;
    let logout = send(&app, with_bearer(form("/logout", ""), &ended)).await;
    assert_eq!(logout.status, StatusCode::NO_CONTENT);
    let today = chrono::Utc::now().date_naive().to_string();
    let change = json!({"salary": 61000, "from_date": today});
    let mut keyed = with_bearer(json("/employees/10198/salary", change), &kept);
    keyed
        .headers_mut()
        .insert("idempotency-key", "k-1".parse().unwrap());
    let changed = send(&app, keyed).await;
    assert_eq!(changed.status, StatusCode::OK, "{}", changed.text());

    let housekeeping = Housekeeping::new(db.clone(), clock.clone());
    let swept = housekeeping.sweep().await.unwrap();
    assert_eq!((swept.sessions, swept.idempotency_keys), (0, 0), "too soon");
    clock.advance(25 * 3600);
    let swept = housekeeping.sweep().await.unwrap();
    assert_eq!((swept.sessions, swept.idempotency_keys), (1, 1));
    // The other session went idle an hour ago: it is deleted a day after that, not before.
    assert_eq!(count(&db, "SELECT COUNT(*) FROM sessions").await, 1);
    clock.advance(24 * 3600);
    assert_eq!(housekeeping.sweep().await.unwrap().sessions, 1);
}
dual_test!(housekeeping, housekeeping_deletes_what_no_longer_counts);

/// A refresh reads what the employee holds under the session's lock: a role taken away or an
/// employment ended by any means (here in SQL, behind the service's back, so no session was
/// ended) is seen by the very next refresh.
async fn a_refresh_grants_only_what_is_held_now(db: Db) {
    seeded(&db).await;
    let app = app_on(&db, &Clock::system(), session_policy()).await;
    let (_, token) = login_pair(&app, BEHAI, "").await;
    employees::dispatch!(&db, pool => {
        sqlx::query("DELETE FROM employee_roles WHERE emp_no = 500222 AND role = 'admin'")
            .execute(pool)
            .await
            .unwrap();
    });
    let reply = refresh(&app, &token, None).await;
    assert_eq!(reply.json()["scope"], "me directory hr", "{}", reply.text());
    let token = refresh_token(&reply);
    employees::dispatch!(&db, pool => {
        sqlx::query("UPDATE dept_emp SET to_date = '2024-01-01' WHERE emp_no = 500222 AND to_date = '9999-01-01'")
            .execute(pool)
            .await
            .unwrap();
    });
    let reply = refresh(&app, &token, None).await;
    assert_eq!(reply.json()["error"], "invalid_grant", "{}", reply.text());
}
dual_test!(held_now, a_refresh_grants_only_what_is_held_now);
