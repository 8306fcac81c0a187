//! Credential and profile look-ups, the same on both backends.

use chrono::NaiveDate;
use employees::{
    db::Db,
    domain::{TokenRef, scope::Role},
    repository::{employees as repo, sessions},
};

use crate::common::{FORMER_EMP_NO, seeded, start_session};

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

fn token_of(emp_no: i32, sid: &str) -> TokenRef<'_> {
    TokenRef {
        sid,
        emp_no,
        now: chrono::Utc::now().timestamp(),
    }
}

async fn end(db: &Db, sid: &str) -> bool {
    let mut tx = db.begin().await.unwrap();
    let ended = sessions::end(&mut tx, sid, chrono::Utc::now().timestamp())
        .await
        .unwrap();
    tx.commit().await.unwrap();
    ended
}

async fn sessions_round_trip(db: Db) {
    seeded(&db).await;
    let (a, b) = (
        start_session(&db, 10198).await,
        start_session(&db, 10198).await,
    );
    assert!(sessions::is_live(&db, &token_of(10198, &a)).await.unwrap());
    // A session is its employee's: another emp_no with the same sid proves nothing.
    assert!(!sessions::is_live(&db, &token_of(10001, &a)).await.unwrap());
    assert!(end(&db, &a).await);
    assert!(!end(&db, &a).await, "ending twice ends nothing more");
    assert!(!sessions::is_live(&db, &token_of(10198, &a)).await.unwrap());
    assert!(sessions::is_live(&db, &token_of(10198, &b)).await.unwrap());
    // Past its live_until it is not live either, ended or not.
    let later = TokenRef {
        now: chrono::Utc::now().timestamp() + 86_400,
        ..token_of(10198, &b)
    };
    assert!(!sessions::is_live(&db, &later).await.unwrap());
    // Purging removes what ended before the given moment only.
    assert_eq!(sessions::purge(&db, 1).await.unwrap(), 0);
    let soon = chrono::Utc::now().timestamp() + 5;
    assert_eq!(sessions::purge(&db, soon).await.unwrap(), 1);
    assert!(sessions::find(&db, &a).await.unwrap().is_none());
    assert!(sessions::find(&db, &b).await.unwrap().is_some());
}
dual_test!(sessions_live_and_end, sessions_round_trip);

async fn profile_with_the_revocation_check(db: Db) {
    seeded(&db).await;
    let live = start_session(&db, 500222).await;
    let found = repo::find_account_unless_revoked(&db, &token_of(500222, &live))
        .await
        .unwrap();
    let (version, found) = found.expect("live session");
    assert_eq!(
        version, 0,
        "a new session reads its profile's first version"
    );
    assert_eq!(found.profile.emp_no, 500222);
    assert_eq!(found.roles, [Role::Employee, Role::Hr, Role::Admin]);
    let former_sid = start_session(&db, FORMER_EMP_NO).await;
    let former = repo::find_account_unless_revoked(&db, &token_of(FORMER_EMP_NO, &former_sid))
        .await
        .unwrap()
        .unwrap()
        .1;
    assert!(former.roles.is_empty(), "a former employee holds no role");
    let dead = start_session(&db, 500222).await;
    assert!(end(&db, &dead).await);
    assert!(
        repo::find_account_unless_revoked(&db, &token_of(500222, &dead))
            .await
            .unwrap()
            .is_none()
    );
    // Another employee's session proves nothing for 500222.
    assert!(
        repo::find_account_unless_revoked(&db, &token_of(500222, &former_sid))
            .await
            .unwrap()
            .is_none()
    );
}
dual_test!(profile_unless_revoked, profile_with_the_revocation_check);
