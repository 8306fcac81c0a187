//! The database layer: schema, migrations, repository, seeding, plans at full scale, kept values, retries.

pub mod kept;
pub mod migrations;
pub mod plans;
pub mod repository;
pub mod retries;
pub mod schema;
pub mod seeding;
