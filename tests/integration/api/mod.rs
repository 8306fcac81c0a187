//! The JSON API, a file per resource or rule, as `src/http/api` groups it.

pub mod appointment;
pub mod audit;
pub mod audit_trail;
pub mod departments;
pub mod directory;
pub mod hire;
pub mod hr;
pub mod hr_refusals;
pub mod hr_retries;
pub mod lockout;
pub mod my_sessions;
pub mod paging;
pub mod passwords;
pub mod profiles;
pub mod races;
pub mod refresh;
pub mod refresh_bounds;
pub mod revocation;
pub mod scopes;
pub mod session;
pub mod shared_budget;
pub mod token;
pub mod users;
