//! The HTML pages and the browser (headless Chromium where a real browser matters).

pub mod browser;
pub mod browser_guards;
pub mod browser_login;
pub mod browser_passkeys;
pub mod browser_sessions;
pub mod chromium;
pub mod directory_pages;
pub mod hr_pages;
pub mod login_and_home;
pub mod password_reset_pages;
pub mod renewal;
pub mod status;
pub mod swagger_code;
