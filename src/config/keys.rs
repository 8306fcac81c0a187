//! `employees keys rotate|list`: the signing keys, from the command line.

use clap::{Args, Subcommand};

#[derive(Args, Debug, Clone)]
pub struct KeysArgs {
    #[command(subcommand)]
    pub command: KeysCommand,
}

#[derive(Subcommand, Debug, Clone)]
pub enum KeysCommand {
    /// Publish a successor of each signing key now; it signs once JWKS_MAX_AGE_SECONDS have
    /// passed (a successor already waiting is kept).
    Rotate,
    /// Every key with its algorithm, status (next, active, retired, removed) and times.
    List,
}
