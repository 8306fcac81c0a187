//! The key set as loaded from the database, and each key's status at a given time: derived from
//! the keys' own times, so every instance that loaded the same rows agrees.

use jsonwebtoken::{DecodingKey, EncodingKey, jwk::Jwk};

use super::material::{KeyAlg, Sealer, encoding_key};
use crate::repository::signing_keys::KeyRow;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyStatus {
    /// Published, not signing yet.
    Next,
    /// Signs (the newest activated key of its algorithm).
    Active,
    /// Published, verifies only: a newer key signs.
    Retired,
    /// No longer published: every token it signed has expired.
    Removed,
}

impl KeyStatus {
    pub fn name(self) -> &'static str {
        match self {
            KeyStatus::Next => "next",
            KeyStatus::Active => "active",
            KeyStatus::Retired => "retired",
            KeyStatus::Removed => "removed",
        }
    }
}

#[derive(Clone)]
pub struct RingKey {
    pub kid: String,
    pub alg: KeyAlg,
    pub generation: i32,
    pub jwk: Jwk,
    pub decoding: DecodingKey,
    /// `None` when this instance's secret does not open it (or it was removed).
    pub encoding: Option<EncodingKey>,
    pub created_at: i64,
    pub activates_at: i64,
    /// When the next generation of its algorithm activates, if there is one.
    pub superseded_at: Option<i64>,
}

#[derive(Default)]
pub(super) struct Loaded {
    pub keys: Vec<RingKey>,
    pub first_created: Option<i64>,
}

impl Loaded {
    /// Builds the set from rows ordered by algorithm and generation; a row that does not parse
    /// is left out (and logged): it can neither sign nor verify.
    pub fn from_rows(rows: Vec<KeyRow>, sealer: &Sealer) -> Self {
        let first_created = rows.iter().map(|row| row.created_at).min();
        let mut keys: Vec<RingKey> = rows
            .into_iter()
            .filter_map(|row| match parse(&row, sealer) {
                Some(key) => Some(key),
                None => {
                    tracing::warn!(kid = %row.kid, "a stored signing key does not parse; left out");
                    None
                }
            })
            .collect();
        for index in 0..keys.len() {
            keys[index].superseded_at = keys
                .iter()
                .filter(|other| {
                    other.alg == keys[index].alg && other.generation > keys[index].generation
                })
                .map(|other| other.activates_at)
                .min();
        }
        Self {
            keys,
            first_created,
        }
    }

    pub fn status(&self, key: &RingKey, now: i64, keep_retired: i64) -> KeyStatus {
        if key.activates_at > now {
            return KeyStatus::Next;
        }
        match key.superseded_at {
            Some(at) if at <= now && now > at.saturating_add(keep_retired) => KeyStatus::Removed,
            Some(at) if at <= now => KeyStatus::Retired,
            _ => KeyStatus::Active,
        }
    }

    pub fn signing(&self, alg: KeyAlg, now: i64, keep: i64) -> Option<&RingKey> {
        self.keys.iter().rev().find(|key| {
            key.alg == alg
                && key.encoding.is_some()
                && self.status(key, now, keep) == KeyStatus::Active
        })
    }

    pub fn published(&self, now: i64, keep: i64) -> impl Iterator<Item = &RingKey> {
        self.keys
            .iter()
            .filter(move |key| self.status(key, now, keep) != KeyStatus::Removed)
    }

    pub fn find(&self, kid: &str, now: i64, keep: i64) -> Option<&RingKey> {
        self.published(now, keep).find(|key| key.kid == kid)
    }
}

fn parse(row: &KeyRow, sealer: &Sealer) -> Option<RingKey> {
    let alg = KeyAlg::parse(&row.alg)?;
    let jwk: Jwk = serde_json::from_str(&row.public_jwk).ok()?;
    let decoding = DecodingKey::from_jwk(&jwk).ok()?;
    let encoding = sealer
        .open(&row.kid, &row.private_sealed)
        .map(|der| encoding_key(alg, &der));
    Some(RingKey {
        kid: row.kid.clone(),
        alg,
        generation: row.generation,
        jwk,
        decoding,
        encoding,
        created_at: row.created_at,
        activates_at: row.activates_at,
        superseded_at: None,
    })
}
