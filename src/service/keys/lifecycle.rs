//! Making keys and moving them on: the first keys at first start, a successor published ahead
//! of its turn (automatically, or now by `keys rotate`), removed keys wiped. Every instance may
//! run this at once: a generation is claimed by a unique index, so one key is made, not two.

use super::{KeyPolicy, KeyRing, KeyStatus, Loaded, material, secs};
use crate::{
    error::Error,
    repository::signing_keys::{self, KeyRow},
    service::keys::material::KeyAlg,
};

/// A key made (or found waiting) by a rotation.
#[derive(Debug, Clone, serde::Serialize, utoipa::ToSchema)]
pub struct Rotated {
    pub kid: String,
    #[schema(example = "ES256")]
    pub alg: String,
    /// Unix seconds: when it starts signing (until then it is only published).
    pub activates_at: i64,
}

/// When a new generation of `alg` must be made, given the newest one; `None` if none is due.
fn due(newest: Option<&KeyRow>, opens: bool, now: i64, policy: &KeyPolicy) -> Option<i64> {
    let ahead = secs(policy.publish_ahead);
    match newest {
        // First start: no cache has seen a key set yet, so the first key signs at once.
        None => Some(now),
        // This secret cannot sign with it (JWT_SECRET changed): a key that can, at once.
        Some(_) if !opens => Some(now),
        Some(key) if key.activates_at > now => None,
        Some(key) => {
            let turn = key.activates_at.saturating_add(secs(policy.rotation));
            (turn <= now.saturating_add(ahead)).then(|| turn.max(now.saturating_add(ahead)))
        }
    }
}

impl KeyRing {
    /// Makes the keys that are due, wipes removed ones and reloads the set. Run at start and
    /// periodically on every instance.
    pub async fn maintain(&self) -> Result<(), Error> {
        let rows = signing_keys::all(&self.db).await?;
        let now = self.clock.now();
        for alg in KeyAlg::ALL {
            let newest = rows.iter().rev().find(|row| row.alg == alg.name());
            let opens =
                newest.is_some_and(|row| self.sealer.open(&row.kid, &row.private_sealed).is_some());
            if let Some(activates_at) = due(newest, opens, now, &self.policy) {
                let generation = newest.map_or(0, |row| row.generation + 1);
                self.make(alg, generation, activates_at).await?;
            }
        }
        self.reload().await?;
        let removed: Vec<String> = self
            .statuses()
            .into_iter()
            .filter(|(key, status)| *status == KeyStatus::Removed && key.encoding.is_some())
            .map(|(key, _)| key.kid)
            .collect();
        if !removed.is_empty() {
            signing_keys::wipe(&self.db, &removed).await?;
            tracing::info!(keys = ?removed, "removed signing keys wiped");
            self.reload().await?;
        }
        Ok(())
    }

    /// Publishes a successor of every algorithm's key now; it signs once `publish_ahead` has
    /// passed. A successor already waiting is kept (rotating twice makes one key).
    #[tracing::instrument(skip(self))]
    pub async fn rotate(&self) -> Result<Vec<Rotated>, Error> {
        let rows = signing_keys::all(&self.db).await?;
        let now = self.clock.now();
        let activates_at = now.saturating_add(secs(self.policy.publish_ahead));
        for alg in KeyAlg::ALL {
            let newest = rows.iter().rev().find(|row| row.alg == alg.name());
            if newest.is_some_and(|row| row.activates_at > now) {
                continue;
            }
            let generation = newest.map_or(0, |row| row.generation + 1);
            self.make(alg, generation, activates_at).await?;
        }
        self.reload().await?;
        Ok(self
            .statuses()
            .into_iter()
            .filter(|(_, status)| *status == KeyStatus::Next)
            .map(|(key, _)| Rotated {
                kid: key.kid,
                alg: key.alg.name().to_owned(),
                activates_at: key.activates_at,
            })
            .collect())
    }

    async fn make(&self, alg: KeyAlg, generation: i32, activates_at: i64) -> Result<(), Error> {
        let key = tokio::task::spawn_blocking(move || material::generate(alg)).await??;
        let row = KeyRow {
            kid: key.kid.clone(),
            alg: alg.name().to_owned(),
            generation,
            public_jwk: serde_json::to_string(&key.jwk)
                .map_err(|error| Error::Internal(format!("JWK: {error}")))?,
            private_sealed: self.sealer.seal(&key.kid, &key.private_der)?,
            created_at: self.clock.now(),
            activates_at,
        };
        if signing_keys::insert(&self.db, &row).await? {
            tracing::info!(kid = %row.kid, alg = alg.name(), activates_at, "signing key made");
        }
        Ok(())
    }

    /// Reads the set again from the database.
    pub async fn reload(&self) -> Result<(), Error> {
        let rows = signing_keys::all(&self.db).await?;
        let loaded = Loaded::from_rows(rows, &self.sealer);
        if let Ok(mut slot) = self.loaded.write() {
            *slot = std::sync::Arc::new(loaded);
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    fn row(activates_at: i64) -> KeyRow {
        KeyRow {
            kid: "k".into(),
            alg: "ES256".into(),
            generation: 0,
            public_jwk: String::new(),
            private_sealed: String::new(),
            created_at: 0,
            activates_at,
        }
    }

    #[test]
    fn a_successor_is_made_ahead_of_its_turn_and_only_then() {
        let policy = KeyPolicy {
            rotation: Duration::from_secs(1000),
            publish_ahead: Duration::from_secs(100),
            keep_retired: Duration::from_secs(50),
        };
        assert_eq!(due(None, false, 5, &policy), Some(5));
        assert_eq!(
            due(Some(&row(0)), false, 5, &policy),
            Some(5),
            "another secret"
        );
        assert_eq!(due(Some(&row(0)), true, 899, &policy), None, "not yet");
        assert_eq!(
            due(Some(&row(0)), true, 900, &policy),
            Some(1000),
            "published ahead"
        );
        assert_eq!(
            due(Some(&row(0)), true, 5000, &policy),
            Some(5100),
            "late: still ahead"
        );
        assert_eq!(
            due(Some(&row(50)), true, 10, &policy),
            None,
            "one is waiting"
        );
    }
}
