//! Issue 23: a search filtered by a department, a title or hire dates that match few is read from
//! the filter's own index (`repository::directory::drive`), one that matches nobody is answered
//! without a page statement. Read either way, every page of every search holds the same rows in
//! the same order (the plan test checks the cost at test_db's scale; this checks the answers).

use axum::http::StatusCode;
use chrono::NaiveDate;
use employees::{
    db::Db,
    domain::directory::{Needle, Search, SortKey, Status},
    repository::directory::{
        drive::{self, Driver},
        kept::Kept,
        search::{self, Page, Source},
        timeout::StatementTimeout,
    },
};

use crate::{
    api::directory::{get_as, token_for},
    common::*,
};

fn date(s: &str) -> Option<NaiveDate> {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").ok()
}

fn search(q: Option<&str>) -> Search {
    Search {
        needle: q.and_then(Needle::parse),
        limit: 3,
        ..Search::default()
    }
}

/// Every emp_no of `search` read from `driver`, three at a time, each page after the last row.
async fn every_page(source: Source<'_>, search: &Search, driver: Driver) -> Vec<i32> {
    let mut found = Vec::new();
    let mut after: Option<SortKey> = None;
    loop {
        let page = Page {
            after: after.as_ref(),
            fetch: 3,
            token: None,
        };
        let (records, _) = search::find_by(source, search, driver, page).await.unwrap();
        let Some(last) = records.last() else {
            return found;
        };
        after = Some(SortKey {
            last_name: last.card.last_name.clone(),
            first_name: last.card.first_name.clone(),
            emp_no: last.card.emp_no,
        });
        found.extend(records.iter().map(|record| record.card.emp_no));
    }
}

async fn driven_and_walked_searches_agree(db: Db) {
    seeded(&db).await;
    let kept = Kept::default();
    let source = Source {
        db: &db,
        kept: &kept,
        timeout: StatementTimeout::default(),
    };
    let with = |search: Search, department: Option<&str>, title: Option<&str>| Search {
        department: department.map(str::to_owned),
        title: title.map(str::to_owned),
        ..search
    };
    let hired = |search: Search| Search {
        hired_from: date("1985-01-01"),
        hired_to: date("1999-12-31"),
        ..search
    };
    let every_status = |search: Search| {
        [Status::Current, Status::Former, Status::All].map(|status| Search {
            status,
            ..search.clone()
        })
    };
    let mut searches = Vec::new();
    for q in [
        None,
        Some("b"),
        Some("pranav fu"),
        Some("be hai"),
        Some("kyoichi.c"),
    ] {
        for (department, title) in [
            (Some("d005"), None),
            (None, Some("Senior Engineer")),
            (None, Some("Manager")),
            (Some("d005"), Some("Manager")),
            (Some("d001"), Some("Staff")),
        ] {
            searches.extend(every_status(with(search(q), department, title)));
        }
        searches.extend(every_status(hired(search(q))));
        searches.extend(every_status(hired(with(search(q), None, Some("Engineer")))));
    }
    let mut nonempty = 0;
    for search in &searches {
        let walked = every_page(source, search, Driver::Names).await;
        nonempty += usize::from(!walked.is_empty());
        let drivers = [
            (search.department.is_some(), Driver::Department),
            (search.title.is_some(), Driver::Title),
            (search.hired_from.is_some(), Driver::HireDate),
        ];
        for (_, driver) in drivers.into_iter().filter(|(applies, _)| *applies) {
            let driven = every_page(source, search, driver).await;
            assert_eq!(driven, walked, "{search:?} read from {driver:?}");
        }
        // What the service chooses finds the same.
        let (chosen, _) = search::find(
            source,
            search,
            Page {
                after: None,
                fetch: 100,
                token: None,
            },
        )
        .await
        .unwrap();
        let chosen: Vec<i32> = chosen.iter().map(|record| record.card.emp_no).collect();
        assert_eq!(chosen, walked, "{search:?}");
    }
    assert!(nonempty > 20, "the searches find someone: {nonempty}");

    // At the seed's scale every filter is selective; a filter that matches nobody reads nothing.
    let choose = |search: Search| {
        let kept = &kept;
        let db = &db;
        async move {
            drive::choose(db, kept, &search, StatementTimeout::default())
                .await
                .unwrap()
        }
    };
    // The smallest filter drives: nine current managers, six staff in d005.
    for (department, title, driver) in [
        (None, Some("Manager"), Driver::Title),
        (Some("d005"), None, Driver::Department),
        (Some("d005"), Some("Manager"), Driver::Department),
    ] {
        let chosen = choose(with(search(None), department, title)).await;
        assert_eq!(chosen, driver, "{department:?} {title:?}");
    }
    for nobody in [
        with(search(None), Some("d999"), None),
        with(search(None), Some("zzzz"), None),
        with(search(None), None, Some("NoSuchTitle")),
        with(search(Some("pranav")), Some("d005"), Some("NoSuchTitle")),
        Search {
            hired_from: date("1900-01-01"),
            hired_to: date("1900-12-31"),
            ..search(None)
        },
    ] {
        assert_eq!(choose(nobody.clone()).await, Driver::Nothing, "{nobody:?}");
    }
}
dual_test!(driven_and_walked, driven_and_walked_searches_agree);

async fn unknown_filters_are_answered_as_the_contract_says(db: Db) {
    seeded(&db).await;
    let app = employees::app(state(db).await);
    let token = token_for(&app, PRANAV, "directory").await;
    for uri in [
        "/employees?department=d999",
        "/employees?title=NoSuchTitle",
        "/employees?department=d005&title=NoSuchTitle&q=pranav",
        "/employees?hired_from=1900-01-01&hired_to=1900-12-31",
    ] {
        let reply = get_as(&app, &token, uri).await;
        assert_eq!(reply.status, StatusCode::OK, "{uri}: {}", reply.text());
        assert_eq!(
            reply.json(),
            serde_json::json!({"items": [], "next_cursor": null}),
            "{uri}"
        );
    }
    for uri in [
        "/departments/zzzz/employees",
        "/departments/d999/employees?title=Manager",
    ] {
        let reply = get_as(&app, &token, uri).await;
        assert_eq!(reply.status, StatusCode::NOT_FOUND, "{uri}");
        assert_eq!(reply.json()["detail"], "Not found");
    }
    let reply = get_as(&app, &token, "/departments/d005/employees?title=Manager").await;
    assert_eq!(reply.status, StatusCode::OK);
    assert_eq!(reply.json()["items"][0]["emp_no"], 500005);
    assert_eq!(reply.json()["items"].as_array().unwrap().len(), 1);
    // A revoked token is refused even where nothing is read.
    let logout = send(&app, with_bearer(form("/logout", ""), &token)).await;
    assert!(logout.status.is_success(), "{}", logout.text());
    let reply = get_as(&app, &token, "/employees?title=NoSuchTitle").await;
    assert_eq!(reply.status, StatusCode::UNAUTHORIZED);
}
dual_test!(
    unknown_filters,
    unknown_filters_are_answered_as_the_contract_says
);
