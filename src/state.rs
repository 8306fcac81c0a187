//! What every handler shares: the database, the services and the HTTP settings (in state, not in
//! statics, so that tests build as many independent apps as they like).

use std::{net::IpAddr, sync::Arc, time::Instant};

use axum::extract::FromRef;
use axum_extra::extract::cookie::Key;

pub use crate::config::Limits;
use crate::{
    db::Db,
    service::{
        audit::AuditService, auth::AuthService, clients::ClientService,
        directory::DirectoryService, hr::HrService, oidc::OidcService, passkeys::PasskeyService,
        recovery::RecoveryService,
    },
    telemetry::metrics::Metrics,
};

#[derive(Clone)]
pub struct AppState {
    pub db: Db,
    pub auth: Arc<AuthService>,
    pub directory: Arc<DirectoryService>,
    pub hr: Arc<HrService>,
    pub audit: Arc<AuditService>,
    pub clients: Arc<ClientService>,
    pub oidc: Arc<OidcService>,
    pub recovery: Arc<RecoveryService>,
    pub passkeys: Arc<PasskeyService>,
    pub metrics: Metrics,
    pub web: Arc<WebSettings>,
    pub limits: Limits,
    pub readiness: Arc<Readiness>,
}

/// The services a state is built from, each made by its own constructor.
pub struct Services {
    pub auth: AuthService,
    pub directory: DirectoryService,
    pub hr: HrService,
    pub audit: AuditService,
    pub clients: ClientService,
    pub oidc: OidcService,
    pub recovery: RecoveryService,
    pub passkeys: PasskeyService,
    /// What the services and the layers record into (`Metrics::off()` for none).
    pub metrics: Metrics,
}

impl AppState {
    pub fn new(db: Db, services: Services, web: WebSettings, limits: Limits) -> Self {
        Self {
            db,
            auth: Arc::new(services.auth),
            directory: Arc::new(services.directory),
            hr: Arc::new(services.hr),
            audit: Arc::new(services.audit),
            clients: Arc::new(services.clients),
            oidc: Arc::new(services.oidc),
            recovery: Arc::new(services.recovery),
            passkeys: Arc::new(services.passkeys),
            metrics: services.metrics,
            web: Arc::new(web),
            limits,
            readiness: Arc::default(),
        }
    }
}

/// Browser-facing settings.
pub struct WebSettings {
    /// Mark the cookies `Secure` and give them the `__Host-` prefix.
    pub cookie_secure: bool,
    /// Peers whose `X-Forwarded-For` is believed (IPv4-mapped addresses stored as IPv4).
    pub trusted_proxies: Vec<IpAddr>,
    /// Signs the device cookie; derived from the token secret.
    pub cookie_key: Key,
}

impl WebSettings {
    pub fn new(secret: &[u8], cookie_secure: bool, trusted_proxies: &[IpAddr]) -> Self {
        Self {
            cookie_secure,
            trusted_proxies: trusted_proxies.iter().map(IpAddr::to_canonical).collect(),
            cookie_key: Key::derive_from(secret),
        }
    }
}

impl FromRef<AppState> for Key {
    fn from_ref(state: &AppState) -> Self {
        state.web.cookie_key.clone()
    }
}

impl FromRef<AppState> for Metrics {
    fn from_ref(state: &AppState) -> Self {
        state.metrics.clone()
    }
}

/// One readiness ping at a time, shared: the probe sits outside the request limits, so a flood
/// of it must not take the database pool. Every answer comes from a ping that started after the
/// request arrived (fresh), but callers that queued behind a ping take its result.
#[derive(Default)]
pub struct Readiness {
    last: tokio::sync::Mutex<Option<(Instant, bool)>>,
}

impl Readiness {
    pub async fn check(&self, db: &Db) -> bool {
        let asked = Instant::now();
        let mut last = self.last.lock().await;
        if let Some((started, ready)) = *last
            && started >= asked
        {
            return ready;
        }
        let started = Instant::now();
        let ready = match db.ping().await {
            Ok(()) => true,
            Err(error) => {
                tracing::warn!(%error, "readiness check failed");
                false
            }
        };
        *last = Some((started, ready));
        ready
    }
}
