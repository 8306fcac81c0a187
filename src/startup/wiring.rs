//! The one composition root: every service built once, from the values they depend on. The
//! binary fills [`Wiring`] from its configuration; the tests fill it with the knobs they vary
//! (clock, bcrypt cost, secret, limits, …) and get the very state the binary serves.

use std::{net::IpAddr, num::NonZeroU32, sync::Arc, time::Duration};

use crate::{
    clock::Clock,
    config::{
        Config, Limits, MetricsAddress, MfaPolicy, RecoveryPolicy, SearchLimits, SessionPolicy,
    },
    db::Db,
    error::Error,
    service::{
        audit::AuditService,
        auth::{AuthConfig, AuthService, LoginPause},
        clients::ClientService,
        directory::DirectoryService,
        hr::HrService,
        jwt::{JwtKeys, TokenSettings},
        keys::{KeyPolicy, KeyRing},
        mfa::MfaService,
        oidc::OidcService,
        passkeys::PasskeyService,
        recovery::RecoveryService,
        sessions::{RefreshKey, SessionService},
    },
    state::{AppState, Services, WebSettings},
    telemetry::metrics::Metrics,
};

/// What the state is built from.
pub struct Wiring {
    /// Signs tokens and, through keys derived from it, cookies, cursors, tags and refresh tokens.
    pub secret: Vec<u8>,
    /// `iss` of the tokens issued (PUBLIC_URL).
    pub issuer: String,
    /// `iss` of the HS256 tokens of before the upgrade, still accepted until they expire.
    pub hs256_issuer: String,
    pub audience: String,
    /// Signing-key rotation: how long a key signs, how far ahead it is published.
    pub key_rotation: Duration,
    pub jwks_max_age: Duration,
    pub access_lifetime: Duration,
    pub clock: Clock,
    pub session_policy: SessionPolicy,
    pub bcrypt_cost: u32,
    pub failures_per_minute: NonZeroU32,
    /// The scopes that need a second factor and the budget of wrong codes.
    pub mfa: MfaPolicy,
    pub cookie_secure: bool,
    pub trusted_proxies: Vec<IpAddr>,
    pub limits: Limits,
    pub search_limits: SearchLimits,
    /// Reset links: their lifetime and the request limits (their base is `issuer`).
    pub recovery: RecoveryPolicy,
    /// Whether metrics are recorded (`METRICS_BIND_ADDR` not `off`).
    pub metrics: bool,
    /// Tests only: where logins are held (see [`LoginPause`]).
    pub login_pause: Option<LoginPause>,
}

impl Wiring {
    /// The binary's wiring: everything from the configuration, with the checked secret.
    pub fn from_config(config: &Config, secret: Vec<u8>) -> Self {
        Self {
            secret,
            issuer: config.oidc.issuer(),
            hs256_issuer: config.auth.jwt_issuer.clone(),
            audience: config.auth.jwt_audience.clone(),
            key_rotation: config.oidc.rotation(),
            jwks_max_age: config.oidc.jwks_max_age(),
            access_lifetime: config.auth.token_lifetime(),
            clock: Clock::system(),
            session_policy: config.auth.session_policy(),
            bcrypt_cost: config.auth.bcrypt_cost,
            failures_per_minute: NonZeroU32::new(config.auth.login_max_failures_per_minute)
                .unwrap_or(NonZeroU32::MIN),
            mfa: config.mfa.policy(),
            cookie_secure: config.http.cookie_secure,
            trusted_proxies: config.http.trusted_proxies.clone(),
            limits: config.http.limits(),
            search_limits: config.search.limits(),
            recovery: config.mail.recovery_policy(),
            metrics: matches!(config.telemetry.metrics_bind_addr, MetricsAddress::At(_)),
            login_pause: None,
        }
    }
}

/// How keys rotate: a key signs for `rotation`, is published `jwks_max_age` before, and
/// verifies until the last token it signed has expired (with a minute for clocks that differ
/// between instances).
pub(crate) fn key_policy(
    rotation: Duration,
    jwks_max_age: Duration,
    lifetime: Duration,
) -> KeyPolicy {
    KeyPolicy {
        rotation,
        publish_ahead: jwks_max_age,
        keep_retired: lifetime + Duration::from_secs(60),
    }
}

/// Builds every service once and the state around them.
pub async fn wire(db: Db, wiring: Wiring) -> Result<AppState, Error> {
    let secret = &wiring.secret;
    let policy = key_policy(
        wiring.key_rotation,
        wiring.jwks_max_age,
        wiring.access_lifetime,
    );
    let ring = KeyRing::start(db.clone(), secret, wiring.clock.clone(), policy).await?;
    let settings = TokenSettings {
        issuer: wiring.issuer.clone(),
        hs256_issuer: wiring.hs256_issuer.clone(),
        audience: wiring.audience.clone(),
        lifetime: wiring.access_lifetime,
    };
    let jwt = Arc::new(JwtKeys::new(Arc::new(ring), secret, settings));
    let metrics = match wiring.metrics {
        true => Metrics::on(db.backend_name()),
        false => Metrics::off(),
    };
    let sessions = SessionService::new(
        db.clone(),
        jwt.clone(),
        wiring.session_policy,
        RefreshKey::derive(secret),
        metrics.clone(),
    )
    .with_mfa_required(wiring.mfa.required_scopes);
    let config = AuthConfig {
        bcrypt_cost: wiring.bcrypt_cost,
        failures_per_minute: wiring.failures_per_minute,
        // Well within the request timeout: the client gets `429`, not a timeout.
        attempt_wait: wiring.limits.request_timeout / 2,
    };
    let sessions = Arc::new(sessions);
    let oidc = OidcService::new(db.clone(), jwt.clone(), sessions.clone());
    // WebAuthn's relying party is PUBLIC_URL's host name (none for an IP address: passkeys off).
    let passkeys = PasskeyService::new(
        db.clone(),
        wiring.clock.clone(),
        &wiring.issuer,
        sessions.clone(),
        wiring.failures_per_minute,
        config.attempt_wait,
    );
    let mfa = Arc::new(MfaService::new(
        db.clone(),
        wiring.clock.clone(),
        secret,
        wiring.mfa.failures_per_minute,
    ));
    let mut auth = AuthService::new(db.clone(), jwt, sessions, mfa, config).await?;
    if let Some(pause) = wiring.login_pause {
        auth = auth.with_pause(pause);
    }
    let web = WebSettings::new(secret, wiring.cookie_secure, &wiring.trusted_proxies);
    let services = Services {
        auth,
        directory: DirectoryService::new(db.clone(), secret).with_limits(wiring.search_limits),
        hr: HrService::new(db.clone(), secret, wiring.bcrypt_cost, metrics.clone()),
        audit: AuditService::new(db.clone(), secret),
        clients: ClientService::new(db.clone(), wiring.clock.clone(), metrics.clone()),
        oidc,
        recovery: RecoveryService::new(
            db.clone(),
            wiring.clock.clone(),
            wiring.recovery,
            wiring.issuer.clone(),
            wiring.bcrypt_cost,
            metrics.clone(),
        ),
        passkeys,
        metrics,
    };
    Ok(AppState::new(db, services, web, wiring.limits))
}
