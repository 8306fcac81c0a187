//! What handlers take from a request: the auth and scope guards, bodies, cookies, queries, the client.

pub mod auth;
pub mod body;
pub mod browser;
pub mod client;
pub mod client_auth;
pub mod cookies;
pub mod form_or_json;
pub mod search_query;
