//! Query plans at test_db's scale (MariaDB/MySQL only): the generator fills 300,024 employees,
//! then every query shape of the directory must read about a page of index entries, never scan
//! a table, and sort no more than a page per branch. Counted with the server's own Handler and
//! Sort counters on one connection, and checked with EXPLAIN.

use std::collections::HashMap;

use chrono::NaiveDate;
use employees::{
    db::Db,
    domain::TokenRef,
    domain::directory::{Needle, Search, SortKey, Status},
    repository::directory::{self as repo, kept::Kept, plan, search},
    seeding::generator::{GenerateOptions, generate},
};
use sqlx::{MySqlPool, Row, mysql::MySqlPoolOptions};

use crate::common::default_password;

const COUNTERS: &str = "SHOW SESSION STATUS WHERE Variable_name IN ('Handler_read_first', \
    'Handler_read_key', 'Handler_read_next', 'Handler_read_prev', 'Handler_read_rnd_next', 'Sort_rows')";

async fn counters(pool: &MySqlPool) -> HashMap<String, i64> {
    sqlx::query(COUNTERS)
        .fetch_all(pool)
        .await
        .unwrap()
        .iter()
        .map(|row| {
            (
                row.get::<String, _>(0),
                row.get::<String, _>(1).parse().unwrap(),
            )
        })
        .collect()
}

/// Rows read (all Handler_read_*) and rows sorted by what `work` runs on `pool`'s one connection,
/// less what reading the counters itself costs.
async fn cost<F: Future<Output = ()>>(pool: &MySqlPool, work: F) -> (i64, i64) {
    let a = counters(pool).await;
    let b = counters(pool).await;
    work.await;
    let c = counters(pool).await;
    let delta = |name: &str| (c[name] - b[name]) - (b[name] - a[name]);
    let reads = [
        "Handler_read_first",
        "Handler_read_key",
        "Handler_read_next",
        "Handler_read_prev",
        "Handler_read_rnd_next",
    ]
    .iter()
    .map(|name| delta(name))
    .sum();
    (reads, delta("Sort_rows"))
}

/// A token's session, as the API's searches carry for the revocation column.
const TOKEN: TokenRef<'static> = TokenRef {
    sid: "00000000000040008000000000000000",
    emp_no: 10001,
    now: 0,
};

fn search(needle: Option<&str>) -> Search {
    Search {
        needle: needle.and_then(Needle::parse),
        limit: 20,
        ..Search::default()
    }
}

fn date(s: &str) -> NaiveDate {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
}

#[sqlx::test(migrator = "employees::db::MYSQL_MIGRATOR")]
async fn every_directory_query_reads_about_a_page_at_full_scale(pool: MySqlPool) {
    let db = Db::MySql(pool.clone());
    employees::seeding::load_seed(&db, &default_password(), 4_000)
        .await
        .unwrap();
    let options = GenerateOptions {
        employees: 300_024,
        rng_seed: 1,
        batch: 4_000,
        quiet: true,
    };
    generate(&db, &options, &default_password()).await.unwrap();
    for table in [
        "employees",
        "dept_emp",
        "titles",
        "dept_manager",
        "salaries",
    ] {
        sqlx::raw_sql(sqlx::AssertSqlSafe(format!("ANALYZE TABLE {table}")))
            .execute(&pool)
            .await
            .unwrap();
    }
    // One connection, so that the session counters are this query's.
    let one = MySqlPoolOptions::new()
        .max_connections(1)
        .connect_with((*pool.connect_options()).clone())
        .await
        .unwrap();
    let single = Db::MySql(one.clone());

    // A whole local part, number included: the generator picks the names.
    let email: String = sqlx::query_scalar("SELECT email FROM employees WHERE emp_no = 10001")
        .fetch_one(&pool)
        .await
        .unwrap();
    let numbered_email = email.split('@').next().unwrap().to_owned() + "@";
    let shapes: Vec<(&str, Search)> = vec![
        ("last-name prefix", search(Some("fac"))),
        ("first-name prefix", search(Some("geo"))),
        ("one-letter prefix", search(Some("a"))),
        ("first last prefix", search(Some("georgi fa"))),
        ("email prefix", search(Some("georgi.f"))),
        ("broad email prefix", search(Some("g"))),
        ("email with its number", search(Some(&numbered_email))),
        ("custom email prefix", search(Some("behai_"))),
        ("emp_no", search(Some("10001"))),
        ("everyone", search(None)),
        (
            "department",
            Search {
                department: Some("d005".into()),
                ..search(None)
            },
        ),
        (
            "department staff, smallest",
            Search {
                department: Some("d002".into()),
                ..search(None)
            },
        ),
        (
            "department and prefix",
            Search {
                department: Some("d005".into()),
                ..search(Some("fac"))
            },
        ),
        (
            "title",
            Search {
                title: Some("Staff".into()),
                ..search(None)
            },
        ),
        (
            "hire-date range",
            Search {
                hired_from: Some(date("1990-01-01")),
                hired_to: Some(date("1994-12-31")),
                ..search(None)
            },
        ),
        (
            "former",
            Search {
                status: Status::Former,
                ..search(None)
            },
        ),
    ];
    let mut report = Vec::new();
    let mut failures = Vec::new();
    // As the service runs: what the first search of a shape found out (the plan of its prefix,
    // the departments' heads) is kept, so the counted searches run their page statement alone,
    // and the probe is counted on its own.
    let kept = Kept::default();
    for (name, shape) in &shapes {
        let (first, _) = search::find(&single, &kept, shape, None, 21, Some(&TOKEN))
            .await
            .unwrap();
        assert!(!first.is_empty(), "{name} finds someone");
        let middle = &first[first.len() / 2].card;
        let after = SortKey {
            last_name: middle.last_name.clone(),
            first_name: middle.first_name.clone(),
            emp_no: middle.emp_no,
        };
        let branches = plan::plan(&db, shape).await.unwrap();
        for (page, position) in [("first page", None), ("later page", Some(&after))] {
            let (reads, sorted) = cost(&one, async {
                search::find(&single, &kept, shape, position, 21, Some(&TOKEN))
                    .await
                    .unwrap();
            })
            .await;
            let (probe, _) = cost(&one, async {
                plan::plan(&single, shape).await.unwrap();
            })
            .await;
            report.push(format!(
                "{name}, {page}: {reads} rows read (the probe: {probe}), {sorted} sorted, {} branches",
                branches.branch_count()
            ));
            // A page is 21 rows; each filter checks a candidate with a primary-key look-up. The
            // probe reads the first names matched from their own table and one row of each other
            // index.
            if reads > 2_000 {
                failures.push(format!("{name}, {page}: {reads} rows read"));
            }
            if probe > 300 {
                failures.push(format!("{name}, {page}: {probe} rows read by the probe"));
            }
            // The union merges at most a page per branch, the cards are put in order (a page),
            // and the few emails other than test_db's default ones are sorted by name.
            let most = 21 * (branches.branch_count() as i64 + 2) + 50;
            if sorted > most {
                failures.push(format!(
                    "{name}, {page}: {sorted} rows sorted (at most {most})"
                ));
            }
            let mut plan = Vec::new();
            for row in search::explain(&pool, &branches, shape, position, 21)
                .await
                .unwrap()
            {
                let kind: Option<String> = row.try_get("type").unwrap_or(None);
                let table: Option<String> = row.try_get("table").unwrap_or(None);
                let key: Option<String> = row.try_get("key").unwrap_or(None);
                let extra: Option<String> = row.try_get("Extra").unwrap_or(None);
                plan.push(format!(
                    "{} {} {} {}",
                    table.as_deref().unwrap_or("-"),
                    kind.as_deref().unwrap_or("-"),
                    key.as_deref().unwrap_or("-"),
                    extra.as_deref().unwrap_or("")
                ));
                // `<derivedN>`/`<unionN>` are the branches' own results, a page each.
                let derived = table.as_deref().is_some_and(|t| t.starts_with('<'));
                assert!(
                    derived || kind.as_deref() != Some("ALL"),
                    "{name}, {page}: full scan of {table:?}"
                );
            }
            report.push(format!("    plan: {}", plan.join(" | ")));
        }
    }
    // A page of cards, and the departments: look-ups only.
    let emp_nos: Vec<i32> = search::find(&single, &kept, &search(None), None, 21, None)
        .await
        .unwrap()
        .0
        .iter()
        .map(|r| r.card.emp_no)
        .collect();
    let (reads, sorted) = cost(&one, async {
        repo::records(&single, &kept, &emp_nos).await.unwrap();
    })
    .await;
    report.push(format!("21 cards: {reads} rows read, {sorted} sorted"));
    assert!(
        reads <= 400 && sorted <= 100,
        "cards: {reads} read, {sorted} sorted"
    );
    let (reads, _) = cost(&one, async {
        repo::figures::departments(&single).await.unwrap();
    })
    .await;
    report.push(format!("departments: {reads} rows read"));
    assert!(reads <= 200, "departments: {reads} read");
    println!("{}", report.join("\n"));
    assert!(failures.is_empty(), "{failures:#?}");
}
