//! Start-up: what `main` runs for each subcommand, kept out of `main.rs` so that tests and
//! benchmarks build the same state the binary serves.

use std::{num::NonZeroU32, sync::Arc, time::Duration};

use tokio::net::TcpListener;

use crate::{
    config::{Command, Config, DatabaseTarget, MetricsAddress, SeedArgs},
    db::{Db, PoolSettings},
    error::Error,
    seeding::{self, DefaultPassword, backfill, generator},
    service::{
        audit::AuditService,
        auth::{AuthConfig, AuthService},
        directory::DirectoryService,
        hr::HrService,
        jwt::JwtKeys,
        sessions::SessionService,
    },
    state::{AppState, Services, WebSettings},
    telemetry::metrics::Metrics,
};

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
    let deadline = tokio::time::Instant::now() + Duration::from_secs(config.db_connect_retry_secs);
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
        password: config.seed_password.clone(),
        cost: config.bcrypt_cost,
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

/// Builds the state `serve` runs with.
pub async fn build_state(config: &Config, db: Db) -> Result<AppState, Error> {
    let (secret, made_up) = config.jwt_secret_for_serve()?;
    if made_up {
        tracing::warn!(
            "JWT_SECRET is unset: using a random key for this run; its tokens die with the process"
        );
    }
    if config.uses_placeholder_secret() {
        tracing::warn!(
            "JWT_SECRET is the placeholder of .env.example (accepted because ENVIRONMENT=local): \
             anyone can forge tokens; set a real secret before exposing this service"
        );
    }
    let jwt = JwtKeys::new(
        &secret,
        &config.jwt_issuer,
        &config.jwt_audience,
        config.token_lifetime(),
    );
    let jwt = Arc::new(jwt);
    let metrics = match config.metrics_bind_addr {
        MetricsAddress::At(_) => Metrics::on(db.backend_name()),
        MetricsAddress::Off => Metrics::off(),
    };
    let policy = config.session_policy();
    let sessions = SessionService::new(db.clone(), jwt.clone(), policy, metrics.clone());
    let auth = AuthService::new(
        db.clone(),
        jwt,
        Arc::new(sessions),
        AuthConfig {
            bcrypt_cost: config.bcrypt_cost,
            failures_per_minute: NonZeroU32::new(config.login_max_failures_per_minute)
                .unwrap_or(NonZeroU32::MIN),
            attempt_wait: config.limits().request_timeout / 2,
        },
    )
    .await?;
    let web = WebSettings::new(&secret, config.cookie_secure, &config.trusted_proxies);
    let directory = DirectoryService::new(db.clone(), &secret).with_limits(config.search_limits());
    let hr = HrService::new(db.clone(), &secret, config.bcrypt_cost, metrics.clone());
    let audit = AuditService::new(db.clone(), &secret);
    let services = Services {
        auth,
        directory,
        hr,
        audit,
        metrics,
    };
    Ok(AppState::new(db, services, web, config.limits()))
}

async fn serve(config: Config, db: Db) -> Result<(), Error> {
    if config.seed_on_start() {
        seeding::load_seed(&db, &default_password(&config), 1_000).await?;
    }
    let state = build_state(&config, db).await?;
    let listener = TcpListener::bind(config.bind_addr).await?;
    tracing::info!(address = %listener.local_addr()?, backend = state.db.backend_name(), "listening");
    if let MetricsAddress::At(address) = config.metrics_bind_addr {
        let metrics = TcpListener::bind(address).await?;
        tracing::info!(address = %metrics.local_addr()?, "metrics at /metrics");
        let app = crate::metrics_app(state.metrics.clone(), state.db.clone());
        tokio::spawn(async move {
            if let Err(error) = axum::serve(metrics, app).await {
                tracing::error!(%error, "the metrics listener stopped");
            }
        });
        tokio::spawn(crate::http::metrics::upkeep_forever(
            state.metrics.clone(),
            state.db.clone(),
        ));
    }
    crate::server::raise_open_files_limit();
    crate::server::serve(
        listener,
        crate::app(state),
        config.connection_limits(),
        shutdown_signal(),
    )
    .await;
    tracing::info!("shut down");
    Ok(())
}

/// Resolves on Ctrl-C or SIGTERM; in-flight requests then finish before the server stops.
async fn shutdown_signal() {
    let ctrl_c = async {
        if let Err(error) = tokio::signal::ctrl_c().await {
            tracing::error!(%error, "cannot listen for Ctrl-C");
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
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
