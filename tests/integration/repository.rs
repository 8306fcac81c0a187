//! Credential and profile look-ups, the same on both backends.

use chrono::NaiveDate;
use employees::{
    db::Db,
    domain::{TokenRef, scope::Role},
    repository::{employees as repo, tokens},
};

use crate::common::{FORMER_EMP_NO, seeded};

async fn credentials_by_email(db: Db) {
    seeded(&db).await;

    let behai = repo::find_credentials(&db, "behai_nguyen@hotmail.com")
        .await
        .unwrap()
        .expect("seeded");
    assert_eq!(behai.emp_no, 500222);
    assert!(behai.active);
    let hash = behai
        .password_hash
        .expect("seeded accounts have a password");
    assert!(hash.starts_with("$2"), "a bcrypt hash is stored");
    assert!(bcrypt::verify("password", &hash).unwrap());

    let pranav = repo::find_credentials(&db, "pranav.furedi.10198@gmail.com")
        .await
        .unwrap()
        .expect("seeded");
    assert_eq!(pranav.emp_no, 10198);
    assert!(pranav.active);

    // 500010 left the company: found, but not active.
    let former = repo::find_credentials(&db, "").await.unwrap();
    assert!(former.is_none());
    let email: String = employees::dispatch!(&db, pool => {
        sqlx::query_scalar("SELECT email FROM employees WHERE emp_no = 500010").fetch_one(pool).await.unwrap()
    });
    let former = repo::find_credentials(&db, &email)
        .await
        .unwrap()
        .expect("former employee exists");
    assert_eq!(former.emp_no, 500010);
    assert!(!former.active);

    assert!(
        repo::find_credentials(&db, "nobody@example.com")
            .await
            .unwrap()
            .is_none()
    );
    // Trimmed and lower-cased before the comparison, on both backends.
    let mixed = repo::find_credentials(&db, "  BeHai_Nguyen@HOTMAIL.com ")
        .await
        .unwrap();
    assert_eq!(mixed.map(|c| c.emp_no), Some(500222));
    // Byte-for-byte otherwise: an accented variant is another address on both backends.
    let accented = repo::find_credentials(&db, "béhai_nguyen@hotmail.com")
        .await
        .unwrap();
    assert!(accented.is_none());
}
dual_test!(credentials, credentials_by_email);

async fn profile_with_current_department_and_title(db: Db) {
    seeded(&db).await;
    let profile = repo::find_profile(&db, 10198)
        .await
        .unwrap()
        .expect("seeded");
    assert_eq!(profile.first_name, "Pranav");
    assert_eq!(profile.last_name, "Furedi");
    assert_eq!(
        profile.email.as_deref(),
        Some("pranav.furedi.10198@gmail.com")
    );
    assert_eq!(profile.gender, "M");
    assert_eq!(
        profile.birth_date,
        NaiveDate::from_ymd_opt(1953, 6, 14).unwrap()
    );
    assert_eq!(
        profile.hire_date,
        NaiveDate::from_ymd_opt(1985, 8, 31).unwrap()
    );
    assert_eq!(profile.department.as_deref(), Some("Development"));
    // Engineer until 1992, Senior Engineer since: the current row wins.
    assert_eq!(profile.title.as_deref(), Some("Senior Engineer"));

    // A manager's current title; an employee who moved shows the department they are in now.
    let manager = repo::find_profile(&db, 500001)
        .await
        .unwrap()
        .expect("seeded");
    assert_eq!(manager.title.as_deref(), Some("Manager"));
    assert_eq!(manager.department.as_deref(), Some("Marketing"));

    let former = repo::find_profile(&db, 500010)
        .await
        .unwrap()
        .expect("seeded");
    assert_eq!(former.department, None);
    assert_eq!(former.title, None);

    assert!(repo::find_profile(&db, 1).await.unwrap().is_none());
}
dual_test!(profile, profile_with_current_department_and_title);

async fn moved_employee_shows_new_department(db: Db) {
    seeded(&db).await;
    // 500014 changed department once: the current dept_emp row decides.
    let current: String = employees::dispatch!(&db, pool => {
        sqlx::query_scalar(
            "SELECT d.dept_name FROM dept_emp de JOIN departments d ON d.dept_no = de.dept_no \
             WHERE de.emp_no = 500014 AND de.to_date = '9999-01-01'",
        )
        .fetch_one(pool)
        .await
        .unwrap()
    });
    let rows: i64 = employees::dispatch!(&db, pool => {
        sqlx::query_scalar("SELECT COUNT(*) FROM dept_emp WHERE emp_no = 500014").fetch_one(pool).await.unwrap()
    });
    assert_eq!(rows, 2, "the seed has a department change for 500014");
    let profile = repo::find_profile(&db, 500014).await.unwrap().unwrap();
    assert_eq!(profile.department.as_deref(), Some(current.as_str()));
}
dual_test!(moved, moved_employee_shows_new_department);

/// A token for the revocation checks, issued long ago to an employee without a cut-off.
fn token(jti: &str) -> TokenRef<'_> {
    token_of(10001, jti)
}

fn token_of(emp_no: i32, jti: &str) -> TokenRef<'_> {
    TokenRef {
        jti,
        emp_no,
        issued_at: 0,
    }
}

async fn revoke(db: &Db, jti: &str, expires_at: i64) {
    let mut tx = db.begin().await.unwrap();
    tokens::revoke(&mut tx, jti, expires_at).await.unwrap();
    tx.commit().await.unwrap();
}

async fn revoked_tokens_round_trip(db: Db) {
    assert!(!tokens::is_revoked(&db, &token("a-jti")).await.unwrap());
    revoke(&db, "a-jti", 100).await;
    revoke(&db, "a-jti", 100).await; // twice is fine
    revoke(&db, "b-jti", 10_000).await;
    assert!(tokens::is_revoked(&db, &token("a-jti")).await.unwrap());
    assert_eq!(tokens::purge_expired(&db, 1_000).await.unwrap(), 1);
    assert!(!tokens::is_revoked(&db, &token("a-jti")).await.unwrap());
    assert!(tokens::is_revoked(&db, &token("b-jti")).await.unwrap());
}
dual_test!(revoked_tokens, revoked_tokens_round_trip);

async fn profile_with_the_revocation_check(db: Db) {
    seeded(&db).await;
    let found = repo::find_account_unless_revoked(&db, &token_of(500222, "live-jti"))
        .await
        .unwrap();
    let found = found.expect("live token");
    assert_eq!(found.profile.emp_no, 500222);
    assert_eq!(found.roles, [Role::Employee, Role::Hr, Role::Admin]);
    let former = repo::find_account_unless_revoked(&db, &token_of(FORMER_EMP_NO, "live-jti"))
        .await
        .unwrap()
        .unwrap();
    assert!(former.roles.is_empty(), "a former employee holds no role");
    revoke(&db, "dead-jti", i64::MAX / 2).await;
    assert!(
        repo::find_account_unless_revoked(&db, &token_of(500222, "dead-jti"))
            .await
            .unwrap()
            .is_none()
    );
    assert!(
        repo::find_account_unless_revoked(&db, &token_of(1, "live-jti"))
            .await
            .unwrap()
            .is_none()
    );
}
dual_test!(profile_unless_revoked, profile_with_the_revocation_check);
