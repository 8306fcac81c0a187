//! The repository layer: every SQL statement of the service, with bound parameters only.

pub mod audit;
pub mod budgets;
pub mod clients;
pub mod codes;
pub mod consents;
pub mod directory;
pub mod employees;
pub mod hr;
pub mod idempotency;
pub mod mfa;
pub mod outbox;
pub mod passkeys;
pub mod password_resets;
pub mod refresh;
pub mod roles;
pub mod seed;
pub mod sessions;
pub mod signing_keys;
pub mod staffing;
