//! The signing keys that every instance shares (in the database): which key signs now, which
//! are published, and the lifecycle next → active → retired → removed, computed from each
//! key's times so that every instance reaches the same answer without asking the others.
//!
//! A key is published from the moment it is stored and signs from `activates_at`, which is at
//! least `publish_ahead` (JWKS_MAX_AGE_SECONDS) later, so that every cache of the key set holds
//! it before the first token it signs. Once the next generation of its algorithm activates it is
//! retired: it verifies only, until the last token it signed has expired, and is then removed.

mod lifecycle;
pub mod material;
mod ring;

pub use lifecycle::Rotated;
pub use material::KeyAlg;
pub use ring::{KeyStatus, RingKey};

use std::{
    sync::{Arc, Mutex, RwLock},
    time::{Duration, Instant},
};

use jsonwebtoken::jwk::JwkSet;

use crate::{clock::Clock, db::Db, error::Error};
use material::Sealer;
use ring::Loaded;

/// How keys rotate.
#[derive(Debug, Clone, Copy)]
pub struct KeyPolicy {
    /// How long a key signs before its successor does (SIGNING_KEY_ROTATION_DAYS).
    pub rotation: Duration,
    /// How long a key is published before it signs (JWKS_MAX_AGE_SECONDS).
    pub publish_ahead: Duration,
    /// How long a retired key still verifies: the longest lifetime of a token it signed.
    pub keep_retired: Duration,
}

/// Unknown `kid`s reload the set at most this often: a flood of forged ids costs no queries.
const RELOAD_AT_MOST_EVERY: Duration = Duration::from_secs(1);

pub struct KeyRing {
    db: Db,
    sealer: Sealer,
    clock: Clock,
    policy: KeyPolicy,
    loaded: RwLock<Arc<Loaded>>,
    last_reload: Mutex<Option<Instant>>,
}

fn secs(duration: Duration) -> i64 {
    i64::try_from(duration.as_secs()).unwrap_or(i64::MAX / 4)
}

impl KeyRing {
    /// The ring of `db`: makes the first keys if there are none (or none this secret opens),
    /// then loads the set.
    pub async fn start(
        db: Db,
        secret: &[u8],
        clock: Clock,
        policy: KeyPolicy,
    ) -> Result<Self, Error> {
        let ring = Self {
            db,
            sealer: Sealer::derive(secret),
            clock,
            policy,
            loaded: RwLock::new(Arc::new(Loaded::default())),
            last_reload: Mutex::new(None),
        };
        ring.maintain().await?;
        Ok(ring)
    }

    pub fn clock(&self) -> &Clock {
        &self.clock
    }

    pub fn policy(&self) -> KeyPolicy {
        self.policy
    }

    fn loaded(&self) -> Arc<Loaded> {
        self.loaded
            .read()
            .map(|loaded| loaded.clone())
            .unwrap_or_default()
    }

    /// The key that signs for `alg` now.
    pub fn signing(&self, alg: KeyAlg) -> Option<RingKey> {
        self.loaded()
            .signing(alg, self.clock.now(), secs(self.policy.keep_retired))
            .cloned()
    }

    /// A published key by `kid`; an unknown one reloads the set first (at most once a second),
    /// in case another instance has just made it.
    pub async fn published(&self, kid: &str) -> Option<RingKey> {
        let keep = secs(self.policy.keep_retired);
        if let Some(key) = self.loaded().find(kid, self.clock.now(), keep) {
            return Some(key.clone());
        }
        if !self.may_reload() {
            return None;
        }
        if let Err(error) = self.reload().await {
            tracing::warn!(%error, "reloading the signing keys failed");
            return None;
        }
        self.loaded().find(kid, self.clock.now(), keep).cloned()
    }

    /// Whether `kid` is published now, by the set as loaded (no reload).
    pub fn is_published(&self, kid: &str) -> bool {
        let keep = secs(self.policy.keep_retired);
        self.loaded().find(kid, self.clock.now(), keep).is_some()
    }

    fn may_reload(&self) -> bool {
        let Ok(mut last) = self.last_reload.lock() else {
            return false;
        };
        match *last {
            Some(at) if at.elapsed() < RELOAD_AT_MOST_EVERY => false,
            _ => {
                *last = Some(Instant::now());
                true
            }
        }
    }

    /// Every published key (next, active and retired) as an RFC 7517 set.
    pub fn jwks(&self) -> JwkSet {
        let loaded = self.loaded();
        let now = self.clock.now();
        JwkSet {
            keys: loaded
                .published(now, secs(self.policy.keep_retired))
                .map(|key| key.jwk.clone())
                .collect(),
        }
    }

    /// Every key with its status now (removed ones included), for operators and tests.
    pub fn statuses(&self) -> Vec<(RingKey, KeyStatus)> {
        let loaded = self.loaded();
        let now = self.clock.now();
        loaded
            .keys
            .iter()
            .map(|key| {
                (
                    key.clone(),
                    loaded.status(key, now, secs(self.policy.keep_retired)),
                )
            })
            .collect()
    }

    /// When this service stopped issuing HS256 tokens: the first key's creation. Tokens signed
    /// with the secret before then still verify until they expire; none after.
    pub fn hs256_until(&self) -> Option<i64> {
        self.loaded().first_created
    }
}
