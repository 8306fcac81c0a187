//! Integration tests. Database tests run twice, on MariaDB/MySQL (`DATABASE_URL`, one fresh
//! database per test made by `#[sqlx::test]`) and on SQLite, through the `dual_test!` macro.

#[macro_use]
mod common;

mod appointment;
mod audit;
mod audit_trail;
mod binary;
mod browser;
mod browser_guards;
mod browser_sessions;
mod departments;
mod directory;
mod directory_pages;
mod dos;
mod dual_stack;
mod health;
mod hire;
mod hr;
mod hr_pages;
mod hr_refusals;
mod hr_retries;
mod instances;
mod kept;
mod leaks;
mod limits;
mod lockout;
mod metrics;
mod migrations;
mod my_sessions;
mod net;
mod operations;
mod outage;
mod pages;
mod paging;
mod passwords;
mod plans;
mod profiles;
mod refresh;
mod renewal;
mod repository;
mod retries;
mod revocation;
mod schema;
mod scopes;
mod search_drivers;
mod search_share;
mod seeding;
mod session;
mod shared_budget;
mod status;
mod token;
mod users;
