//! The binary and what operators see: start-up, limits, connections, metrics, logs, outages, instances.

pub mod binary;
pub mod clients_cli;
pub mod dos;
pub mod dual_stack;
pub mod health;
pub mod instances;
pub mod keys_cli;
pub mod layers;
pub mod leaks;
pub mod limits;
pub mod mail;
pub mod metrics;
pub mod net;
pub mod operations;
pub mod outage;
