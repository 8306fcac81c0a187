//! `employees`: serve (the default), migrate or seed.

use std::process::ExitCode;

use clap::Parser;
use employees::config::{Cli, Command};
use tracing_subscriber::{EnvFilter, util::SubscriberInitExt};

#[tokio::main]
async fn main() -> ExitCode {
    // `.env` first, so that clap sees its variables; a missing file is normal.
    let dotenv = dotenvy::dotenv();
    let cli = Cli::parse();
    let filter =
        EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info,sqlx=warn"));
    let ansi = std::io::IsTerminal::is_terminal(&std::io::stderr());
    let subscriber = employees::telemetry::subscriber(
        cli.config.telemetry.log_format,
        filter,
        std::io::stderr,
        ansi,
    );
    // `try_init` also forwards the `log` crate's records, as `init` did.
    if subscriber.try_init().is_err() {
        eprintln!("error: a log subscriber is installed already");
        return ExitCode::FAILURE;
    }
    if let Err(error) = &dotenv
        && !error.not_found()
    {
        eprintln!("error: cannot read .env: {error}");
        return ExitCode::FAILURE;
    }
    match employees::startup::run(cli.config, cli.command.unwrap_or(Command::Serve)).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("error: {error}");
            ExitCode::FAILURE
        }
    }
}
