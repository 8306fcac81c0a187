//! Query plans at test_db's scale (MariaDB/MySQL only): the generator fills 300,024 employees,
//! then every query shape of the directory must read about a page of index entries, never scan
//! a table, and sort no more than a page per branch; a filter that matches few must be read
//! first from its own index, and one that matches nobody must answer without a page statement.
//! Counted with the server's own Handler and Sort counters on one connection, and checked with
//! EXPLAIN.

mod measure;
mod shapes;

use employees::{
    db::Db,
    domain::TokenRef,
    domain::directory::{Search, SortKey},
    repository::directory::{
        self as repo,
        drive::{self, DRIVE_AT_MOST},
        kept::Kept,
        plan,
        search::{self, Page, Source},
        timeout::StatementTimeout,
    },
    seeding::generator::{GenerateOptions, generate},
};
use sqlx::{MySqlPool, mysql::MySqlPoolOptions};

use self::measure::{Step, cost};
use crate::common::default_password;

/// A token's session, as the API's searches carry for the revocation column.
const TOKEN: TokenRef<'static> = TokenRef {
    sid: "00000000000040008000000000000000",
    emp_no: 10001,
    now: 0,
};

async fn generated(pool: &MySqlPool) -> Db {
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
            .execute(pool)
            .await
            .unwrap();
    }
    db
}

#[sqlx::test(migrator = "employees::db::MYSQL_MIGRATOR")]
async fn every_directory_query_reads_about_a_page_at_full_scale(pool: MySqlPool) {
    let db = generated(&pool).await;
    // One connection, so that the session counters are this query's.
    let one = MySqlPoolOptions::new()
        .max_connections(1)
        .connect_with((*pool.connect_options()).clone())
        .await
        .unwrap();
    let single = Db::MySql(one.clone());
    let email: String = sqlx::query_scalar("SELECT email FROM employees WHERE emp_no = 10001")
        .fetch_one(&pool)
        .await
        .unwrap();
    let numbered_email = email.split('@').next().unwrap().to_owned() + "@";

    let mut report = Vec::new();
    let mut failures = Vec::new();
    // As the service runs: what the first search of a shape found out (the plan of its prefix,
    // the departments' heads) is kept, so the counted searches run their page statement alone,
    // and the probe is counted on its own.
    let kept = Kept::default();
    let source = Source {
        db: &single,
        kept: &kept,
        timeout: StatementTimeout::default(),
    };
    let page = |after: Option<&'static SortKey>| Page {
        after,
        fetch: 21,
        token: Some(&TOKEN),
    };
    for shape in shapes::all(&numbered_email) {
        let name = shape.name;
        let (first, _) = search::find(source, &shape.search, page(None))
            .await
            .unwrap();
        assert_eq!(!first.is_empty(), shape.finds, "{name}: finds someone");
        let after = first.get(first.len() / 2).map(|middle| {
            &*Box::leak(Box::new(SortKey {
                last_name: middle.card.last_name.clone(),
                first_name: middle.card.first_name.clone(),
                emp_no: middle.card.emp_no,
            }))
        });
        let branches = plan::plan(&db, &shape.search).await.unwrap();
        for (which, position) in [("first page", None), ("later page", after)] {
            if which == "later page" && !shape.finds {
                continue;
            }
            let search = &shape.search;
            let (reads, sorted) = cost(&one, async {
                search::find(source, search, page(position)).await.unwrap();
            })
            .await;
            let (probe, _) = cost(&one, async {
                plan::plan(&single, search).await.unwrap();
            })
            .await;
            let (count, _) = cost(&one, async {
                drive::choose(&single, &kept, search, StatementTimeout::default())
                    .await
                    .unwrap();
            })
            .await;
            report.push(format!(
                "{name}, {which}: {reads} rows read (the probe: {probe}; the filters' count: {count}), \
                 {sorted} sorted, {} branches",
                branches.branch_count()
            ));
            // A page is 21 rows; each filter checks a candidate with a primary-key look-up. The
            // probe reads the first names matched from their own table and one row of each other
            // index; the filters' count reads a title's or a hire-date range's index up to one
            // more than DRIVE_AT_MOST entries (and a derived table's rows once more).
            if reads - count > shape.reads {
                failures.push(format!("{name}, {which}: {reads} rows read"));
            }
            if probe > 300 {
                failures.push(format!("{name}, {which}: {probe} rows read by the probe"));
            }
            let counted =
                i64::from(search.title.is_some()) + i64::from(search.hired_from.is_some());
            if count > 2 * (DRIVE_AT_MOST + 1) * counted + 50 {
                failures.push(format!("{name}, {which}: {count} rows read by the count"));
            }
            // The union merges at most a page per branch, the cards are put in order (a page),
            // and the few emails other than test_db's default ones are sorted by name; a driven
            // search sorts what matched all its filters.
            let most = match shape.driven_by {
                Some(_) => DRIVE_AT_MOST + 21,
                None => 21 * (branches.branch_count() as i64 + 2) + 50,
            };
            if sorted > most {
                failures.push(format!(
                    "{name}, {which}: {sorted} rows sorted (at most {most})"
                ));
            }
            let steps: Vec<Step> = search::explain(&pool, &kept, &branches, search, position, 21)
                .await
                .unwrap()
                .iter()
                .map(Step::of)
                .collect();
            for step in &steps {
                assert!(
                    step.is_derived() || step.kind != "ALL",
                    "{name}, {which}: full scan of {}",
                    step.table
                );
            }
            // Driven: the filter's own index as a range, and no walk of the name index.
            let reads_range = |index: &str| {
                steps
                    .iter()
                    .any(|step| step.key == index && ["ref", "range"].contains(&&*step.kind))
            };
            match (shape.finds, shape.driven_by) {
                (false, _) => assert!(steps.is_empty(), "{name}: a page statement runs"),
                (true, Some(index)) => assert!(
                    reads_range(index) && !steps.iter().any(|s| s.key == "employees_name_ix"),
                    "{name}, {which}: not read from {index}: {}",
                    steps
                        .iter()
                        .map(ToString::to_string)
                        .collect::<Vec<_>>()
                        .join(" | ")
                ),
                (true, None) => {}
            }
            let plan: Vec<String> = steps.iter().map(ToString::to_string).collect();
            report.push(format!("    plan: {}", plan.join(" | ")));
        }
    }
    // A page of cards, and the departments: look-ups only.
    let everyone = Search {
        limit: 20,
        ..Search::default()
    };
    let page_of_everyone = Page {
        after: None,
        fetch: 21,
        token: None,
    };
    let emp_nos: Vec<i32> = search::find(source, &everyone, page_of_everyone)
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
