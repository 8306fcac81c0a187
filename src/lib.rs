//! Employees database backend: the MySQL test_db schema with credentials, and one OAuth2
//! password-grant login (`POST /token`) for browsers, Swagger UI and API clients.

pub mod clock;
pub mod config;
pub mod db;
pub mod domain;
pub mod error;
pub mod http;
pub mod repository;
pub mod retry;
pub mod seeding;
pub mod server;
pub mod service;
pub mod startup;
pub mod state;
pub mod telemetry;

pub use http::{app, layers::metrics::metrics_app};
