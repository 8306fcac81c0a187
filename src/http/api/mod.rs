//! The JSON API: one file per resource, its handlers with their OpenAPI annotations.

pub mod appointment;
pub mod audit;
pub mod changes;
pub mod departments;
pub mod docs;
pub mod employees;
pub mod health;
pub mod hire;
pub mod hr;
pub mod logout;
pub mod oauth;
pub mod roles;
pub mod sessions;
pub mod token;
pub mod token_request;
pub mod users;
