//! The test_db-scale generator: 300,024 employees and their departments, titles and salaries in
//! test_db's proportions, the same rows for the same `--rng-seed`.
//!
//! Employees are made in chunks; chunk `i` draws from ChaCha stream `i` of the seed, so a chunk's
//! rows do not depend on the others. Each chunk is inserted in its own transaction, several at
//! once on MySQL, and a chunk whose first employee exists is skipped: an interrupted run resumes
//! and a second run adds nothing.

use std::{
    collections::HashSet,
    sync::{
        Arc,
        atomic::{AtomicUsize, Ordering},
    },
    time::Instant,
};

use chrono::{Days, Months, NaiveDate};
use rand::{RngExt, SeedableRng, seq::IndexedRandom};
use rand_chacha::ChaCha8Rng;

use crate::{
    db::Db,
    domain::{CURRENT, Dataset, DeptAssignment, Employee, Salary, Title, default_email},
    error::Error,
    repository::seed as repo,
};

use super::{DefaultPassword, progress_bar, seed_dataset};

/// test_db's first emp_no.
const FIRST_EMP_NO: i32 = 10_001;

/// Departments with their share of test_db's dept_emp rows and how many managers test_db has.
const DEPARTMENTS: [(&str, u32, usize); 9] = [
    ("d001", 20_211, 2),
    ("d002", 17_346, 2),
    ("d003", 17_786, 2),
    ("d004", 73_485, 4),
    ("d005", 85_707, 2),
    ("d006", 20_117, 4),
    ("d007", 52_245, 2),
    ("d008", 21_126, 2),
    ("d009", 23_580, 4),
];

/// Career tracks: first title, the title of a promotion, and the track's weight.
const TRACKS: [(&str, &str, u32); 4] = [
    ("Staff", "Senior Staff", 43),
    ("Engineer", "Senior Engineer", 40),
    ("Assistant Engineer", "Engineer", 10),
    ("Technique Leader", "Senior Engineer", 7),
];

/// The names generated employees are given, test_db's own (one a line; data, not code). The
/// order matters: the same seed picks the same names.
static FIRST_NAMES: std::sync::LazyLock<Vec<&str>> =
    std::sync::LazyLock::new(|| include_str!("first_names.txt").lines().collect());
static LAST_NAMES: std::sync::LazyLock<Vec<&str>> =
    std::sync::LazyLock::new(|| include_str!("last_names.txt").lines().collect());

/// Share of employees who have left (test_db: about 20%), changed department (10.5%) or been
/// promoted (48%): the ratios behind its 331k dept_emp and 443k titles rows.
const LEFT: f64 = 0.20;
const MOVED: f64 = 0.105;
const PROMOTED: f64 = 0.478;

fn date(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap_or(NaiveDate::MIN)
}

/// The last day test_db records (its snapshot date).
fn snapshot() -> NaiveDate {
    date(2002, 8, 1)
}

fn date_between(rng: &mut ChaCha8Rng, from: NaiveDate, to: NaiveDate) -> NaiveDate {
    let days = (to - from).num_days().max(1);
    from + Days::new(rng.random_range(0..days).unsigned_abs())
}

fn pick_weighted<T: Copy>(rng: &mut ChaCha8Rng, items: &[(T, u32)]) -> T {
    let total: u32 = items.iter().map(|(_, w)| w).sum();
    let mut roll = rng.random_range(0..total);
    for &(item, weight) in items {
        if roll < weight {
            return item;
        }
        roll -= weight;
    }
    items[items.len() - 1].0
}

/// Makes the rows of one chunk of employees.
pub fn make_chunk(rng_seed: u64, chunk: usize, emp_nos: &[i32]) -> Dataset {
    let mut rng = ChaCha8Rng::seed_from_u64(rng_seed);
    rng.set_stream(chunk as u64);
    let departments: Vec<(&str, u32)> = DEPARTMENTS.iter().map(|&(d, w, _)| (d, w)).collect();
    let tracks: Vec<((&str, &str), u32)> = TRACKS.iter().map(|&(a, b, w)| ((a, b), w)).collect();
    let mut data = Dataset::default();
    for &emp_no in emp_nos {
        let birth_date = date_between(&mut rng, date(1952, 2, 1), date(1965, 2, 1));
        let hire_date = date_between(&mut rng, date(1985, 1, 1), date(2000, 1, 28));
        let first_name = *FIRST_NAMES.choose(&mut rng).unwrap_or(&"Georgi");
        let last_name = *LAST_NAMES.choose(&mut rng).unwrap_or(&"Facello");
        let gender = if rng.random_bool(0.6) { "M" } else { "F" };
        let left = rng.random_bool(LEFT);
        let last_day = if left {
            date_between(&mut rng, hire_date + Days::new(30), snapshot())
        } else {
            snapshot()
        };
        let end = if left { last_day } else { CURRENT };

        let first_dept = pick_weighted(&mut rng, &departments);
        if rng.random_bool(MOVED) && (last_day - hire_date).num_days() > 60 {
            let moved = date_between(&mut rng, hire_date + Days::new(30), last_day);
            let second_dept = loop {
                let d = pick_weighted(&mut rng, &departments);
                if d != first_dept {
                    break d;
                }
            };
            data.dept_emp
                .push(assignment(emp_no, first_dept, hire_date, moved));
            data.dept_emp
                .push(assignment(emp_no, second_dept, moved, end));
        } else {
            data.dept_emp
                .push(assignment(emp_no, first_dept, hire_date, end));
        }

        let (first_title, next_title) = pick_weighted(&mut rng, &tracks);
        if rng.random_bool(PROMOTED) && (last_day - hire_date).num_days() > 60 {
            let promoted = date_between(&mut rng, hire_date + Days::new(30), last_day);
            data.titles
                .push(title(emp_no, first_title, hire_date, promoted));
            data.titles.push(title(emp_no, next_title, promoted, end));
        } else {
            data.titles.push(title(emp_no, first_title, hire_date, end));
        }

        // One salary row per year of employment, as test_db has; the last one is current.
        let mut salary = rng.random_range(38_000..70_000);
        let mut from = hire_date;
        loop {
            let next = from + Months::new(12);
            let to = if next >= last_day { end } else { next };
            data.salaries.push(Salary {
                emp_no,
                salary,
                from_date: from,
                to_date: to,
            });
            if to == end {
                break;
            }
            salary += rng.random_range(0..4_000);
            from = next;
        }

        data.employees.push(Employee {
            emp_no,
            birth_date,
            first_name: first_name.to_owned(),
            last_name: last_name.to_owned(),
            gender: gender.to_owned(),
            hire_date,
            email: Some(default_email(first_name, last_name, emp_no)),
        });
    }
    data
}

fn assignment(
    emp_no: i32,
    dept_no: &str,
    from_date: NaiveDate,
    to_date: NaiveDate,
) -> DeptAssignment {
    DeptAssignment {
        emp_no,
        dept_no: dept_no.to_owned(),
        from_date,
        to_date,
    }
}

fn title(emp_no: i32, title: &str, from_date: NaiveDate, to_date: NaiveDate) -> Title {
    Title {
        emp_no,
        title: title.to_owned(),
        from_date,
        to_date: Some(to_date),
    }
}

#[derive(Debug, Clone)]
pub struct GenerateOptions {
    /// Employees in the database at the end, the `seed/` ones included.
    pub employees: u32,
    pub rng_seed: u64,
    /// Employees per chunk (one transaction) and rows per INSERT.
    pub batch: usize,
    pub quiet: bool,
}

/// The emp_nos the generator fills: from test_db's first one up, around the `seed/` accounts.
pub fn generated_emp_nos(total: u32, seeded: &HashSet<i32>) -> Vec<i32> {
    let wanted = (total as usize).saturating_sub(seeded.len());
    (FIRST_EMP_NO..)
        .filter(|n| !seeded.contains(n))
        .take(wanted)
        .collect()
}

/// Generates the employees that are missing; returns how many employees were inserted.
#[tracing::instrument(skip_all, fields(employees = options.employees, rng_seed = options.rng_seed))]
pub async fn generate(
    db: &Db,
    options: &GenerateOptions,
    default_password: &DefaultPassword,
) -> Result<u64, Error> {
    let started = Instant::now();
    let seeded: HashSet<i32> = seed_dataset()?.employees.iter().map(|e| e.emp_no).collect();
    let emp_nos = generated_emp_nos(options.employees, &seeded);
    let batch = options.batch.max(1);
    let chunks: Vec<(usize, &[i32])> = emp_nos.chunks(batch).enumerate().collect();

    let mut missing = Vec::new();
    for &(index, chunk) in &chunks {
        if !repo::employee_exists(db, chunk[0]).await? {
            missing.push((index, chunk.to_vec()));
        }
    }
    let to_insert: usize = missing.iter().map(|(_, c)| c.len()).sum();
    tracing::info!(chunks = missing.len(), employees = to_insert, "generating");

    if !missing.is_empty() {
        let hash: Arc<str> = default_password.hash().await?.into();
        let bar = progress_bar(to_insert as u64, options.quiet, "generating employees");
        let missing = Arc::new(missing);
        let next = Arc::new(AtomicUsize::new(0));
        // SQLite has one writer; MySQL overlaps our encoding with the server's work.
        let workers = if matches!(db, Db::MySql(_)) { 3 } else { 1 };
        let mut tasks = tokio::task::JoinSet::new();
        for _ in 0..workers {
            let (db, hash, bar, missing, next) = (
                db.clone(),
                hash.clone(),
                bar.clone(),
                missing.clone(),
                next.clone(),
            );
            let rng_seed = options.rng_seed;
            tasks.spawn(async move {
                while let Some((index, chunk)) = missing.get(next.fetch_add(1, Ordering::Relaxed)) {
                    let data = make_chunk(rng_seed, *index, chunk);
                    insert_chunk(&db, &data, &hash, batch).await?;
                    bar.inc(chunk.len() as u64);
                }
                Ok::<(), Error>(())
            });
        }
        while let Some(result) = tasks.join_next().await {
            result??;
        }
        bar.finish_and_clear();
    }

    add_managers(db, options.rng_seed, &chunks).await?;
    let mut tx = db.begin().await?;
    crate::repository::directory::refresh(&mut tx).await?;
    tx.commit().await?;
    let elapsed = started.elapsed();
    tracing::info!(
        employees = to_insert,
        seconds = elapsed.as_secs_f64(),
        "generation done"
    );
    Ok(to_insert as u64)
}

async fn insert_chunk(db: &Db, data: &Dataset, hash: &str, batch: usize) -> Result<(), Error> {
    let mut tx = db.begin().await?;
    repo::insert_employees(&mut tx, &data.employees, hash, batch).await?;
    repo::insert_assignments(&mut tx, &data.dept_emp, false, batch).await?;
    repo::insert_titles(&mut tx, &data.titles, batch).await?;
    repo::insert_salaries(&mut tx, &data.salaries, batch).await?;
    tx.commit().await?;
    Ok(())
}

/// Brings each department to test_db's number of managers (24 in all) with former managers from
/// the first chunk, their terms ending where the department's earliest existing manager begins.
async fn add_managers(db: &Db, rng_seed: u64, chunks: &[(usize, &[i32])]) -> Result<(), Error> {
    let Some(&(index, first_chunk)) = chunks.first() else {
        return Ok(());
    };
    let sample = make_chunk(rng_seed, index, first_chunk);
    let mut tx = db.begin().await?;
    for (dept_no, _, wanted) in DEPARTMENTS {
        let existing = repo::managers_of(&mut tx, dept_no).await?;
        let missing = wanted.saturating_sub(existing.len());
        if missing == 0 {
            continue;
        }
        let taken: HashSet<i32> = existing.iter().map(|m| m.emp_no).collect();
        let candidates: Vec<i32> = sample
            .dept_emp
            .iter()
            .filter(|a| a.dept_no == dept_no && !taken.contains(&a.emp_no))
            .map(|a| a.emp_no)
            .take(missing)
            .collect();
        let start = date(1985, 1, 1);
        let until = existing.first().map_or(date(1995, 1, 1), |m| m.from_date);
        let term = (until - start).num_days().max(1) / (candidates.len().max(1) as i64);
        let rows: Vec<DeptAssignment> = candidates
            .iter()
            .enumerate()
            .map(|(i, &emp_no)| {
                let from = start + Days::new((term * i as i64).unsigned_abs());
                let to = if i + 1 == candidates.len() {
                    until
                } else {
                    start + Days::new((term * (i as i64 + 1)).unsigned_abs())
                };
                assignment(emp_no, dept_no, from, to)
            })
            .collect();
        repo::insert_assignments(&mut tx, &rows, true, 100).await?;
    }
    tx.commit().await?;
    Ok(())
}
