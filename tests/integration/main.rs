//! Integration tests. Database tests run twice, on MariaDB/MySQL (`DATABASE_URL`, one fresh
//! database per test made by `#[sqlx::test]`) and on SQLite, through the `dual_test!` macro. The folders mirror
//! `src/http`: `api/`, `pages/`, and `ops/` and `db/` for what lies beside and below it.

#[macro_use]
mod common;

mod api;
mod db;
mod ops;
mod pages;
