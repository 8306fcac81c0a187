//! The HTML pages (askama) and their forms: login and home, the directory, HR, the status page.

pub mod charts;
pub mod directory;
pub mod hr;
pub mod login;
pub mod status;
