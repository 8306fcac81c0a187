//! Passkeys (WebAuthn Level 3, webauthn-rs): registration from the account page, the list and
//! removal, and sign-in with a passkey instead of a password. Each ceremony's server half is kept
//! in the database (`webauthn_ceremonies`) under a random handle, so that any instance finishes
//! what another started, and is claimed once by the finish.
//!
//! WebAuthn binds a credential to a relying-party id, a host name: `PUBLIC_URL` names it. An IP
//! address cannot be one (browsers refuse it), so with `PUBLIC_URL=http://127.0.0.1:8000` (the
//! default) passkeys are off and every passkey call answers [`PasskeyError::Disabled`].
//!
//! A passkey also completes a password login's second step (`second_factor.rs`), through the
//! auth service's pending login.

mod ceremony;
mod register;
mod second_factor;
mod signin;

pub use register::PasskeyView;
pub use signin::PasskeySignIn;

use std::{net::IpAddr, num::NonZeroU32, sync::Arc, time::Duration};

use sha2::{Digest, Sha256};
use webauthn_rs::prelude::{Url, Uuid, Webauthn, WebauthnBuilder, WebauthnError};

use crate::{
    clock::Clock,
    db::Db,
    error::Error,
    service::{sessions::SessionService, throttle::LoginThrottle},
};

/// How long a ceremony may take, start to finish (the browser's own timeout is the same).
pub const CEREMONY_SECS: i64 = 300;

/// Why a passkey call was refused.
#[derive(Debug, thiserror::Error)]
pub enum PasskeyError {
    /// `PUBLIC_URL` names no host name (an IP address): WebAuthn cannot be used.
    #[error("passkeys are off: PUBLIC_URL names no host name")]
    Disabled,
    /// No such ceremony, or it was finished already (a ceremony works once).
    #[error("unknown or used ceremony")]
    UnknownCeremony,
    /// The ceremony's minutes are over.
    #[error("expired ceremony")]
    Expired,
    /// The client's answer could not be read, or did not verify (wrong challenge or origin, bad
    /// signature, a counter that went back, user verification missing).
    #[error("the authenticator's answer was refused: {0}")]
    Refused(&'static str),
    /// A signed answer from a credential that no employee has (or no longer has).
    #[error("unknown passkey")]
    UnknownCredential,
    /// This credential is registered already.
    #[error("passkey registered already")]
    AlreadyRegistered,
    /// A name that is empty or longer than 100 characters.
    #[error("bad name")]
    BadName,
    /// No passkey of the caller's with this id.
    #[error("not found")]
    NotFound,
    /// A second step with a passkey for an employee who has none.
    #[error("no passkey")]
    NoPasskey,
    /// The pending login (`mfa_token`) of a second step was refused.
    #[error(transparent)]
    Login(#[from] crate::service::auth::LoginError),
    /// The passkey's employee left.
    #[error("inactive user")]
    Inactive,
    /// Too many failed passkey sign-ins from this address.
    #[error("too many failed sign-ins")]
    Throttled { retry_after_secs: u64 },
    #[error(transparent)]
    Internal(#[from] Error),
}

impl From<sqlx::Error> for PasskeyError {
    fn from(error: sqlx::Error) -> Self {
        Self::Internal(error.into())
    }
}

/// What webauthn-rs refused, in words for the client (never the state or the credential).
fn refused(error: &WebauthnError) -> PasskeyError {
    let why = match error {
        WebauthnError::InvalidRPOrigin => "it was made for another site (origin)",
        WebauthnError::MismatchedChallenge => "it answers another challenge",
        WebauthnError::UserNotVerified => "the user was not verified",
        WebauthnError::CredentialPossibleCompromise => {
            "its counter went back: the passkey may have been copied"
        }
        WebauthnError::CredentialNotFound => "it was made by a passkey not offered",
        WebauthnError::AuthenticationFailure => "its signature does not verify",
        _ => "it does not verify",
    };
    PasskeyError::Refused(why)
}

pub struct PasskeyService {
    db: Db,
    clock: Clock,
    /// `None` when `PUBLIC_URL` names an IP address.
    webauthn: Option<Webauthn>,
    sessions: Arc<SessionService>,
    throttle: Arc<LoginThrottle>,
}

/// The relying party of `public_url` (its host name and origin); `None` for an IP address or
/// anything that is not an http(s) URL.
fn relying_party(public_url: &str) -> Option<Webauthn> {
    let url = Url::parse(public_url).ok()?;
    let host = url.domain()?.to_owned();
    let origin = Url::parse(&url.origin().ascii_serialization()).ok()?;
    WebauthnBuilder::new(&host, &origin)
        .ok()?
        .rp_name("Employees")
        .timeout(Duration::from_secs(CEREMONY_SECS as u64))
        .build()
        .ok()
}

impl PasskeyService {
    pub fn new(
        db: Db,
        clock: Clock,
        public_url: &str,
        sessions: Arc<SessionService>,
        failures_per_minute: NonZeroU32,
        attempt_wait: Duration,
    ) -> Self {
        let webauthn = relying_party(public_url);
        if webauthn.is_none() {
            tracing::info!("passkeys are off: PUBLIC_URL names no host name (an IP address?)");
        }
        let throttle =
            LoginThrottle::new(db.clone(), clock.clone(), failures_per_minute, attempt_wait);
        Self {
            db,
            clock,
            webauthn,
            sessions,
            throttle: Arc::new(throttle),
        }
    }

    /// Whether passkeys can be used (`PUBLIC_URL` names a host name).
    pub fn enabled(&self) -> bool {
        self.webauthn.is_some()
    }

    fn webauthn(&self) -> Result<&Webauthn, PasskeyError> {
        self.webauthn.as_ref().ok_or(PasskeyError::Disabled)
    }

    fn now(&self) -> i64 {
        self.clock.now()
    }
}

/// The WebAuthn user handle of an employee: derived, stable, and no personal data (the number
/// is hashed). A discoverable sign-in's user handle must be the one of the passkey's employee.
pub fn user_handle(emp_no: i32) -> Uuid {
    let digest = Sha256::digest(format!("employees passkey user {emp_no}").as_bytes());
    let mut bytes = [0u8; 16];
    bytes.copy_from_slice(&digest[..16]);
    Uuid::from_bytes(bytes)
}

/// The network a failed sign-in is counted against (no address: one shared budget).
fn budget_key(address: Option<IpAddr>) -> String {
    match address {
        Some(address) => format!("passkey:{}", crate::service::throttle::network_of(address)),
        None => "passkey:unknown".to_owned(),
    }
}
