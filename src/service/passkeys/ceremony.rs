//! Ceremonies in the database: the server half of a challenge stored under a random handle, and
//! claimed once by whichever instance finishes it (the repository's DELETE decides).

use serde::{Serialize, de::DeserializeOwned};

use super::{CEREMONY_SECS, PasskeyError, PasskeyService};
use crate::{
    error::Error,
    repository::passkeys::{self, CeremonyRow},
};

/// What a ceremony is for: a claim names it, so a sign-in's handle cannot finish a registration.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Kind {
    Register,
    SignIn,
    SecondFactor,
}

impl Kind {
    fn as_str(self) -> &'static str {
        match self {
            Kind::Register => "register",
            Kind::SignIn => "signin",
            Kind::SecondFactor => "mfa",
        }
    }
}

/// A claimed ceremony: its employee (none for a sign-in) and its state.
pub(super) struct Claimed<S> {
    pub emp_no: Option<i32>,
    pub state: S,
}

/// A handle a client could have been given: 32 lowercase hex digits. Anything else names no
/// ceremony, and is not looked up.
fn plausible(handle: &str) -> bool {
    handle.len() == 32 && handle.bytes().all(|b| b.is_ascii_hexdigit())
}

impl PasskeyService {
    /// Stores `state` as a new ceremony of `kind`; its handle.
    pub(super) async fn store<S: Serialize>(
        &self,
        kind: Kind,
        emp_no: Option<i32>,
        state: &S,
    ) -> Result<String, PasskeyError> {
        let state = serde_json::to_string(state)
            .map_err(|_| Error::Internal("a ceremony state that cannot be written".to_owned()))?;
        let row = CeremonyRow {
            id: uuid::Uuid::new_v4().simple().to_string(),
            emp_no,
            kind: kind.as_str().to_owned(),
            state,
            expires_at: self.now() + CEREMONY_SECS,
        };
        passkeys::insert_ceremony(&self.db, &row).await?;
        Ok(row.id)
    }

    /// Claims the ceremony `handle` of `kind`: it is gone afterwards, whatever the outcome, so a
    /// second finish (on any instance) finds nothing.
    pub(super) async fn claim<S: DeserializeOwned>(
        &self,
        kind: Kind,
        handle: &str,
    ) -> Result<Claimed<S>, PasskeyError> {
        if !plausible(handle) {
            return Err(PasskeyError::UnknownCeremony);
        }
        let row = passkeys::claim_ceremony(&self.db, &handle.to_ascii_lowercase(), kind.as_str())
            .await?
            .ok_or(PasskeyError::UnknownCeremony)?;
        if row.expires_at < self.now() {
            return Err(PasskeyError::Expired);
        }
        let state = serde_json::from_str(&row.state).map_err(|_| {
            Error::Internal("a stored ceremony state that cannot be read".to_owned())
        })?;
        Ok(Claimed {
            emp_no: row.emp_no,
            state,
        })
    }
}
