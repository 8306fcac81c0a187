//! Seeding: the seed/ data, idempotency, the generator and the back-fill.

use employees::{
    db::Db,
    repository::seed::table_counts,
    seeding::{
        backfill::backfill_emails,
        generator::{GenerateOptions, generate, make_chunk},
        load_seed, seed_dataset,
    },
};

use crate::common::{TEST_COST, default_password};

async fn hashes(db: &Db) -> Vec<(i32, Option<String>)> {
    employees::dispatch!(db, pool => {
        sqlx::query_as("SELECT emp_no, password FROM employees ORDER BY emp_no").fetch_all(pool).await.unwrap()
    })
}

async fn seed_loads_everything_once(db: Db) {
    let data = seed_dataset().unwrap();
    let report = load_seed(&db, &default_password(), 1_000).await.unwrap();
    let expected = [
        data.employees.len(),
        data.departments.len(),
        data.dept_emp.len(),
        data.dept_manager.len(),
        data.titles.len(),
        data.salaries.len(),
    ]
    .map(|n| n as i64);
    assert_eq!(table_counts(&db).await.unwrap(), expected);
    assert_eq!(report.employees_added as usize, data.employees.len());
    assert_eq!(
        report.rows_added as i64,
        expected.iter().sum::<i64>() + data.roles.len() as i64,
        "test_db's rows and the granted roles"
    );

    // Every seeded account has the default password, hashed once for the whole run (one salt).
    let before = hashes(&db).await;
    let distinct: std::collections::HashSet<_> = before
        .iter()
        .map(|(_, h)| h.clone().expect("hash"))
        .collect();
    assert_eq!(
        distinct.len(),
        1,
        "the password is hashed once per run, not per row"
    );
    let hash = distinct.into_iter().next().unwrap();
    assert!(
        hash.starts_with(&format!("$2b${TEST_COST:02}$")),
        "cost is configurable: {hash}"
    );

    // A second run changes nothing: no rows, no new hashes.
    let again = load_seed(&db, &default_password(), 1_000).await.unwrap();
    assert_eq!(again, Default::default());
    assert_eq!(table_counts(&db).await.unwrap(), expected);
    assert_eq!(hashes(&db).await, before);
}
dual_test!(seed_idempotent, seed_loads_everything_once);

async fn seed_covers_the_contract(db: Db) {
    load_seed(&db, &default_password(), 1_000).await.unwrap();
    let managers: Vec<(String, i64)> = employees::dispatch!(&db, pool => {
        sqlx::query_as(
            "SELECT d.dept_no, (SELECT COUNT(*) FROM dept_manager m \
                                WHERE m.dept_no = d.dept_no AND m.to_date = '9999-01-01') \
             FROM departments d ORDER BY d.dept_no",
        )
        .fetch_all(pool)
        .await
        .unwrap()
    });
    assert_eq!(managers.len(), 9, "all nine test_db departments");
    assert!(
        managers.iter().all(|(_, n)| *n == 1),
        "one current manager each: {managers:?}"
    );
    let inactive: i64 = employees::dispatch!(&db, pool => {
        sqlx::query_scalar(
            "SELECT COUNT(*) FROM employees e WHERE NOT EXISTS \
             (SELECT 1 FROM dept_emp de WHERE de.emp_no = e.emp_no AND de.to_date = '9999-01-01')",
        )
        .fetch_one(pool)
        .await
        .unwrap()
    });
    assert!(inactive >= 1, "at least one former employee");
    let employees: i64 = employees::dispatch!(&db, pool => {
        sqlx::query_scalar("SELECT COUNT(*) FROM employees").fetch_one(pool).await.unwrap()
    });
    assert!(employees >= 30, "a few dozen employees");
}
dual_test!(seed_contract, seed_covers_the_contract);

/// A test_db employee the seed also names (10198) keeps its row; it only gains the credentials
/// it lacked, and no history rows are added to it.
async fn seed_respects_existing_employees(db: Db) {
    employees::dispatch!(&db, pool => {
        sqlx::query("INSERT INTO employees (emp_no, birth_date, first_name, last_name, gender, hire_date) \
                     VALUES (10198, '1960-01-01', 'Pranav', 'Furedi', 'M', '1990-01-01')")
            .execute(pool).await.unwrap();
    });
    let report = load_seed(&db, &default_password(), 1_000).await.unwrap();
    assert_eq!(report.credentials_filled, 1);
    let row: (String, Option<String>, i64) = employees::dispatch!(&db, pool => {
        sqlx::query_as("SELECT CAST(birth_date AS CHAR), email, \
                        (SELECT COUNT(*) FROM salaries s WHERE s.emp_no = 10198) \
                        FROM employees WHERE emp_no = 10198")
            .fetch_one(pool).await.unwrap()
    });
    assert_eq!(row.0, "1960-01-01", "the existing row is kept");
    assert_eq!(row.1.as_deref(), Some("pranav.furedi.10198@gmail.com"));
    assert_eq!(
        row.2, 0,
        "no history rows are added to an existing employee"
    );
}
dual_test!(seed_existing, seed_respects_existing_employees);

async fn generator_fills_in_test_db_proportions(db: Db) {
    let options = GenerateOptions {
        employees: 2_000,
        rng_seed: 42,
        batch: 300,
        quiet: true,
    };
    // As `seed --generate` does: seed/ first, then the generated employees around it.
    load_seed(&db, &default_password(), 1_000).await.unwrap();
    let inserted = generate(&db, &options, &default_password()).await.unwrap();
    let seeded = seed_dataset().unwrap().employees.len() as u64;
    assert_eq!(inserted, 2_000 - seeded);
    let [
        employees,
        departments,
        dept_emp,
        dept_manager,
        titles,
        salaries,
    ] = table_counts(&db).await.unwrap();
    assert_eq!(employees, 2_000);
    assert_eq!(departments, 9);
    assert_eq!(dept_manager, 24, "test_db's 24 managers");
    // test_db: 1.105 dept_emp, 1.478 titles and 9.48 salaries per employee.
    let per = |n: i64| n as f64 / employees as f64;
    assert!(
        (1.05..1.16).contains(&per(dept_emp)),
        "dept_emp per employee {}",
        per(dept_emp)
    );
    assert!(
        (1.38..1.58).contains(&per(titles)),
        "titles per employee {}",
        per(titles)
    );
    assert!(
        (8.0..11.0).contains(&per(salaries)),
        "salaries per employee {}",
        per(salaries)
    );

    // Idempotent: a second run inserts nothing.
    let again = generate(&db, &options, &default_password()).await.unwrap();
    assert_eq!(again, 0);
    assert_eq!(table_counts(&db).await.unwrap()[0], 2_000);

    // Generated employees log in with the default address scheme.
    let email: String = employees::dispatch!(&db, pool => {
        sqlx::query_scalar("SELECT email FROM employees WHERE emp_no = 10001").fetch_one(pool).await.unwrap()
    });
    assert!(
        email.ends_with(".10001@gmail.com") && email == email.to_lowercase(),
        "{email}"
    );
}

dual_test!(generator, generator_fills_in_test_db_proportions);

#[test]
fn generator_is_deterministic_per_seed() {
    let emp_nos: Vec<i32> = (10_001..10_201).collect();
    let a = make_chunk(7, 3, &emp_nos);
    let b = make_chunk(7, 3, &emp_nos);
    assert_eq!(a.employees, b.employees);
    assert_eq!(a.salaries, b.salaries);
    assert_eq!(a.titles, b.titles);
    assert_eq!(a.dept_emp, b.dept_emp);
    let other_seed = make_chunk(8, 3, &emp_nos);
    assert_ne!(a.employees, other_seed.employees);
    let other_chunk = make_chunk(7, 4, &emp_nos);
    assert_ne!(a.employees, other_chunk.employees);
    // Names fit test_db's columns; every active employee has exactly one current salary.
    assert!(
        a.employees
            .iter()
            .all(|e| e.first_name.len() <= 14 && e.last_name.len() <= 16)
    );
    for e in &a.employees {
        let current = a
            .salaries
            .iter()
            .filter(|s| s.emp_no == e.emp_no && s.to_date == employees::domain::CURRENT)
            .count();
        let active = a
            .dept_emp
            .iter()
            .any(|d| d.emp_no == e.emp_no && d.to_date == employees::domain::CURRENT);
        assert_eq!(current, usize::from(active), "emp {}", e.emp_no);
    }
}

async fn backfill_gives_default_emails(db: Db) {
    employees::dispatch!(&db, pool => {
        sqlx::query("INSERT INTO employees (emp_no, birth_date, first_name, last_name, gender, hire_date) VALUES \
                     (10001, '1953-09-02', 'Georgi', 'Facello', 'M', '1986-06-26'), \
                     (10002, '1964-06-02', 'Bezalel', 'Simmel', 'F', '1985-11-21'), \
                     (499999, '1958-05-01', 'Sachin', 'Tsukuda', 'M', '1997-11-30')")
            .execute(pool).await.unwrap();
        sqlx::query("INSERT INTO employees (emp_no, birth_date, first_name, last_name, gender, hire_date, email, password) VALUES \
                     (10003, '1959-12-03', 'Parto', 'Bamford', 'M', '1986-08-28', 'kept@example.com', 'x')")
            .execute(pool).await.unwrap();
    });
    let updated = backfill_emails(&db, &default_password(), 1_000, true)
        .await
        .unwrap();
    assert_eq!(updated, 3);
    let rows: Vec<(i32, String, String)> = employees::dispatch!(&db, pool => {
        sqlx::query_as("SELECT emp_no, email, password FROM employees ORDER BY emp_no").fetch_all(pool).await.unwrap()
    });
    assert_eq!(rows[0].1, "georgi.facello.10001@gmail.com");
    assert_eq!(rows[1].1, "bezalel.simmel.10002@gmail.com");
    assert_eq!(
        rows[2],
        (10003, "kept@example.com".into(), "x".into()),
        "existing credentials are kept"
    );
    assert_eq!(rows[3].1, "sachin.tsukuda.499999@gmail.com");
    assert!(bcrypt::verify("password", &rows[0].2).unwrap());
    assert_eq!(rows[0].2, rows[3].2, "hashed once per run");
    assert_eq!(
        backfill_emails(&db, &default_password(), 1_000, true)
            .await
            .unwrap(),
        0
    );
}
dual_test!(backfill, backfill_gives_default_emails);
