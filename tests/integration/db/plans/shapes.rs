//! The query shapes the plan test measures at test_db's scale, and what each must do.

use chrono::NaiveDate;
use employees::domain::directory::{Needle, Search, Status};

/// A search shape and what it must find and read first.
pub struct Shape {
    pub name: &'static str,
    pub search: Search,
    /// Whether anyone matches at full scale (nobody: the search must answer without reading).
    pub finds: bool,
    /// The index a selective filter's search reads first (its statement's first table).
    pub driven_by: Option<&'static str>,
    /// Rows a page may read besides the filters' count (a page and its look-ups: 2,000).
    pub reads: i64,
}

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

fn finds(name: &'static str, search: Search) -> Shape {
    Shape {
        name,
        search,
        finds: true,
        driven_by: None,
        reads: 2_000,
    }
}

fn finds_nobody(name: &'static str, search: Search) -> Shape {
    Shape {
        name,
        search,
        finds: false,
        driven_by: None,
        reads: 20,
    }
}

fn driven(name: &'static str, search: Search, index: &'static str) -> Shape {
    Shape {
        driven_by: Some(index),
        ..finds(name, search)
    }
}

/// Every shape; `numbered_email` is a whole local part with its number (the generator picks the
/// names).
pub fn all(numbered_email: &str) -> Vec<Shape> {
    let titled = |title: &str, search: Search| Search {
        title: Some(title.into()),
        ..search
    };
    let in_department = |dept_no: &str, search: Search| Search {
        department: Some(dept_no.into()),
        ..search
    };
    vec![
        finds("last-name prefix", search(Some("fac"))),
        finds("first-name prefix", search(Some("geo"))),
        finds("one-letter prefix", search(Some("a"))),
        finds("first last prefix", search(Some("georgi fa"))),
        finds("email prefix", search(Some("georgi.f"))),
        finds("broad email prefix", search(Some("g"))),
        finds("email with its number", search(Some(numbered_email))),
        finds("custom email prefix", search(Some("behai_"))),
        finds("emp_no", search(Some("10001"))),
        finds("everyone", search(None)),
        finds("department", in_department("d005", search(None))),
        finds(
            "department staff, smallest",
            in_department("d002", search(None)),
        ),
        finds(
            "department and prefix",
            in_department("d005", search(Some("fac"))),
        ),
        finds("title", titled("Staff", search(None))),
        finds(
            "hire-date range",
            Search {
                hired_from: Some(date("1990-01-01")),
                hired_to: Some(date("1994-12-31")),
                ..search(None)
            },
        ),
        finds(
            "former",
            Search {
                status: Status::Former,
                ..search(None)
            },
        ),
        // Issue 23: filters that match few or nobody, which walked the whole name index.
        finds_nobody("unknown department", in_department("d999", search(None))),
        finds_nobody(
            "unknown department's staff (/departments/zzzz/employees)",
            in_department("zzzz", search(None)),
        ),
        finds_nobody("unknown title", titled("NoSuchTitle", search(None))),
        driven(
            "rare title",
            titled("Manager", search(None)),
            "titles_title_current_ix",
        ),
        driven(
            "department staff with a rare title",
            in_department("d005", titled("Manager", search(None))),
            "titles_title_current_ix",
        ),
        driven(
            "rare title and a broad prefix",
            titled("Manager", search(Some("kyo"))),
            "titles_title_current_ix",
        ),
        driven(
            "one day's hires",
            Search {
                hired_from: Some(date("1990-06-01")),
                hired_to: Some(date("1990-06-01")),
                ..search(None)
            },
            "employees_hire_date_ix",
        ),
        // Broad filters together are walked: quick when they meet as often as independence
        // says (a quarter of the staff are in d005, a fifth hold Staff).
        finds(
            "department and a broad title",
            in_department("d005", titled("Staff", search(None))),
        ),
    ]
}
