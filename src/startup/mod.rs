//! Start-up: what `main` runs for each subcommand, kept out of `main.rs` so that tests and
//! benchmarks build the same state the binary serves.

mod clients;
mod keys;
mod wiring;

pub use wiring::{Wiring, wire};

use std::time::Duration;

use tokio::net::TcpListener;

use crate::{
    config::{Command, Config, ConfigError, DatabaseTarget, MetricsAddress, SeedArgs},
    db::{Db, PoolSettings},
    error::Error,
    seeding::{self, DefaultPassword, backfill, generator},
    service::{
        housekeeping::Housekeeping,
        mail::{Mailer, Sender, TransportError},
    },
    state::AppState,
};

/// How often each instance deletes sessions and idempotency keys that no longer count.
const HOUSEKEEPING_EVERY: Duration = Duration::from_secs(10 * 60);
/// How often each instance's mail sender looks for due messages (at once for its own).
const MAIL_POLL_EVERY: Duration = Duration::from_secs(5);

/// Runs one subcommand to completion.
pub async fn run(config: Config, command: Command) -> Result<(), Error> {
    config.validate()?;
    let db = connect(&config).await?;
    db.migrate().await?;
    match command {
        Command::Migrate => {
            tracing::info!("migrations applied");
            Ok(())
        }
        Command::Seed(args) => seed(&config, &db, &args).await,
        Command::Clients(args) => clients::run(db, args).await,
        Command::Keys(args) => keys::run(&config, db, args).await,
        Command::Serve => serve(config, db).await,
    }
}

/// Connects, retrying for DB_CONNECT_RETRY_SECS: in a compose stack the database may still be
/// starting when the service does.
pub async fn connect(config: &Config) -> Result<Db, Error> {
    let target = config.database()?;
    if let DatabaseTarget::EmbeddedSqlite(path) = &target {
        tracing::info!(path = %path.display(), "DATABASE_URL is unset: using the embedded SQLite file");
    }
    let deadline =
        tokio::time::Instant::now() + Duration::from_secs(config.database.db_connect_retry_secs);
    loop {
        match Db::connect(&target, PoolSettings::from_config(config)).await {
            Ok(db) => return Ok(db),
            Err(error) if tokio::time::Instant::now() < deadline => {
                tracing::warn!(%error, "database not reachable yet; retrying");
                tokio::time::sleep(Duration::from_secs(1)).await;
            }
            Err(error) => return Err(error.into()),
        }
    }
}

fn default_password(config: &Config) -> DefaultPassword {
    DefaultPassword {
        password: config.seeding.seed_password.clone(),
        cost: config.auth.bcrypt_cost,
    }
}

async fn seed(config: &Config, db: &Db, args: &SeedArgs) -> Result<(), Error> {
    let password = default_password(config);
    let batch = args.batch_size as usize;
    if args.backfill_emails {
        backfill::backfill_emails(db, &password, args.batch_size, args.quiet).await?;
        return Ok(());
    }
    seeding::load_seed(db, &password, batch).await?;
    if args.generate {
        let options = generator::GenerateOptions {
            employees: args.employees,
            rng_seed: args.rng_seed,
            batch,
            quiet: args.quiet,
        };
        generator::generate(db, &options, &password).await?;
    }
    Ok(())
}

/// Builds the state `serve` runs with: the secret checked, then [`wire`].
pub async fn build_state(config: &Config, db: Db) -> Result<AppState, Error> {
    let (secret, made_up) = config.jwt_secret_for_serve()?;
    if made_up {
        tracing::warn!(
            "JWT_SECRET is unset: using a random key for this run; its tokens die with the process"
        );
    }
    if config.auth.uses_placeholder_secret() {
        tracing::warn!(
            "JWT_SECRET is the placeholder of .env.example (accepted because ENVIRONMENT=local): \
             anyone can forge tokens; set a real secret before exposing this service"
        );
    }
    wire(db, Wiring::from_config(config, secret)).await
}

async fn serve(config: Config, db: Db) -> Result<(), Error> {
    if config.seed_on_start() {
        seeding::load_seed(&db, &default_password(&config), 1_000).await?;
    }
    // Both addresses are taken before anything logs `listening`: a second instance on one host
    // stops here, naming the variable whose address is in use.
    let listener = bind("BIND_ADDR", config.http.bind_addr).await?;
    let metrics_listener = match config.telemetry.metrics_bind_addr {
        MetricsAddress::At(address) => Some(bind("METRICS_BIND_ADDR", address).await?),
        MetricsAddress::Off => None,
    };
    let state = build_state(&config, db).await?;
    // Swagger UI's Authorize offers the code flow through this client: its redirect URI follows
    // PUBLIC_URL, checked by `validate` above.
    state
        .clients
        .ensure_swagger_ui(&config.oidc.issuer())
        .await?;
    tracing::info!(address = %listener.local_addr()?, backend = state.db.backend_name(), "listening");
    if let Some(metrics) = metrics_listener {
        tracing::info!(address = %metrics.local_addr()?, "metrics at /metrics");
        let app = crate::metrics_app(state.metrics.clone(), state.db.clone());
        tokio::spawn(async move {
            if let Err(error) = axum::serve(metrics, app).await {
                tracing::error!(%error, "the metrics listener stopped");
            }
        });
        tokio::spawn(crate::http::layers::metrics::upkeep_forever(
            state.metrics.clone(),
            state.db.clone(),
        ));
    }
    let housekeeping = Housekeeping::new(state.db.clone(), state.auth.jwt().clock().clone());
    tokio::spawn(housekeeping.run_forever(HOUSEKEEPING_EVERY));
    let sender = mail_sender(&config, &state)?;
    tracing::info!(to = %sender.describe(), "mail (password reset links) goes to");
    tokio::spawn(sender.run_forever(MAIL_POLL_EVERY));
    tokio::spawn(maintain_keys_forever(
        state.auth.jwt_arc(),
        config.oidc.jwks_max_age(),
    ));
    crate::server::raise_open_files_limit();
    crate::server::serve(
        listener,
        crate::app(state),
        config.http.connection_limits(),
        shutdown_signal(),
    )
    .await;
    tracing::info!("shut down");
    Ok(())
}

/// The outbox's sender: SMTP_URL's server, or files in MAIL_DIR (made if missing).
fn mail_sender(config: &Config, state: &AppState) -> Result<Sender, Error> {
    let mailer = Mailer::new(&config.mail.target()).map_err(|error| match error {
        TransportError::SmtpUrl(_) => ConfigError::new("SMTP_URL", error.to_string()),
        TransportError::MailDir(..) => ConfigError::new("MAIL_DIR", error.to_string()),
    })?;
    let from = config
        .mail
        .smtp_from
        .parse()
        .map_err(|_| ConfigError::new("SMTP_FROM", "must be an address or `Name <address>`"))?;
    Ok(Sender::new(
        state.db.clone(),
        state.auth.jwt().clock().clone(),
        mailer,
        from,
        state.recovery.queued(),
    ))
}

/// Makes due keys and reloads the set on every instance, often enough that a successor made by
/// another instance is loaded well before it signs (it is published `jwks_max_age` ahead).
async fn maintain_keys_forever(
    jwt: std::sync::Arc<crate::service::jwt::JwtKeys>,
    jwks_max_age: Duration,
) {
    let every = (jwks_max_age / 4).clamp(Duration::from_secs(1), Duration::from_secs(60));
    let mut ticks = tokio::time::interval(every);
    ticks.tick().await;
    loop {
        ticks.tick().await;
        if let Err(error) = jwt.ring().maintain().await {
            tracing::warn!(%error, "signing-key maintenance failed; retrying");
        }
    }
}

/// Binds `address`, or says which variable named an address that cannot be had.
async fn bind(variable: &'static str, address: std::net::SocketAddr) -> Result<TcpListener, Error> {
    TcpListener::bind(address)
        .await
        .map_err(|source| Error::Bind {
            variable,
            address,
            source,
        })
}

/// Resolves on Ctrl-C or SIGTERM; in-flight requests then finish before the server stops. The
/// SIGTERM handler is installed here, when called, not when the future is first polled: a
/// SIGTERM right after the service answers `/readyz` must not meet the default action (death).
fn shutdown_signal() -> impl std::future::Future<Output = ()> {
    #[cfg(unix)]
    let terminate = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate());
    async move {
        let ctrl_c = async {
            if let Err(error) = tokio::signal::ctrl_c().await {
                tracing::error!(%error, "cannot listen for Ctrl-C");
                std::future::pending::<()>().await;
            }
        };
        #[cfg(unix)]
        let terminate = async {
            match terminate {
                Ok(mut signal) => {
                    signal.recv().await;
                }
                Err(error) => {
                    tracing::error!(%error, "cannot listen for SIGTERM");
                    std::future::pending::<()>().await;
                }
            }
        };
        #[cfg(not(unix))]
        let terminate = std::future::pending::<()>();
        tokio::select! {
            () = ctrl_c => {},
            () = terminate => {},
        }
        tracing::info!("shutdown signal received");
    }
}
