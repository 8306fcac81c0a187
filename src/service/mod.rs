//! The service layer: password hashing, tokens and login rules, between handlers and repository.

pub mod audit;
pub mod auth;
pub mod clients;
pub mod cursor;
pub mod directory;
pub mod etag;
pub mod housekeeping;
pub mod hr;
pub mod jwt;
pub mod keys;
pub mod mail;
pub mod mfa;
pub mod oidc;
pub mod passkeys;
pub mod password;
pub mod profiles;
pub mod recovery;
pub mod search_limits;
pub mod sessions;
pub mod throttle;
pub mod verifier;
