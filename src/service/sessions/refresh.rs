//! `grant_type=refresh_token`: rotation by generation. The session's row is locked for the whole
//! decision, and what the employee holds is read under that lock, so a termination or a role
//! change that commits first is seen, and one that commits later ends the session it finds.

use super::{RefreshError, SessionService, ending::revocation, hash, secs, token::Sealed};
use crate::{
    db::Tx,
    domain::{
        scope::{Role, ScopeSet, scopes_of},
        session::{Origin, Session},
    },
    repository::{audit, refresh, refresh::RefreshState, roles, sessions},
    retry::{Idempotent, retry},
};

/// Which refresh token was presented.
enum Presented {
    /// Sealed with the session's generation.
    Sealed(Sealed),
    /// Random, from before the generations: known by its stored hash.
    Legacy { sid: String, hash: String },
}

/// What the presented token is, against the session's state.
enum Verdict {
    /// The one that may rotate.
    Current,
    /// Spent at `spent_at`: within the grace it gets an access token, later it ends the session.
    Spent { spent_at: i64 },
}

impl SessionService {
    /// A new access token and a new refresh token, the presented one spent. Of two refreshes with
    /// one token exactly one rotates; the other finds it spent within the grace.
    #[tracing::instrument(skip_all, fields(sid))]
    pub async fn refresh(
        &self,
        token: &str,
        scope: Option<&str>,
        client: Option<&str>,
        origin: &Origin,
    ) -> Result<super::Issued, RefreshError> {
        let requested =
            crate::service::auth::parse_scopes(scope).map_err(RefreshError::UnknownScope)?;
        let presented = match self.key.open(token) {
            Some(sealed) => Presented::Sealed(sealed),
            None => {
                let hash = hash(token);
                let Some(found) = sessions::find_refresh(&self.db, &hash).await? else {
                    return Err(RefreshError::Invalid);
                };
                Presented::Legacy {
                    sid: found.sid,
                    hash,
                }
            }
        };
        let sid = match &presented {
            Presented::Sealed(sealed) => &sealed.sid,
            Presented::Legacy { sid, .. } => sid,
        };
        tracing::Span::current().record("sid", sid.as_str());
        let rotate = || self.rotate(&presented, requested, client, origin);
        retry("refresh", Idempotent::No, rotate).await
    }

    /// The refresh's transaction: the session's lock, the scope from what the employee holds
    /// now, then rotation, the grace, or the end of the session for a replay.
    async fn rotate(
        &self,
        presented: &Presented,
        requested: ScopeSet,
        client: Option<&str>,
        origin: &Origin,
    ) -> Result<super::Issued, RefreshError> {
        let now = self.now();
        let sid = match presented {
            Presented::Sealed(sealed) => &sealed.sid,
            Presented::Legacy { sid, .. } => sid,
        };
        let mut tx = self.db.begin().await?;
        let session = match sessions::lock(&mut tx, sid).await? {
            Some(session) if session.is_live(now) => session,
            _ => return Err(RefreshError::Invalid),
        };
        // A registered client's session is refreshed by that client only (RFC 6749 §6: the
        // token is bound to the client it was issued to).
        if session.client_id.is_some() && session.client_id.as_deref() != client {
            return Err(RefreshError::Invalid);
        }
        let state = refresh::state(&mut tx, sid)
            .await?
            .ok_or(RefreshError::Invalid)?;
        let scope = scope_now(&mut tx, &session, requested).await?;
        let verdict = match presented {
            Presented::Sealed(sealed) => {
                let current = state.refresh_generation;
                match sealed.generation {
                    generation if generation == current => Verdict::Current,
                    // The one before the current was spent when the current was issued, at the
                    // session's last use.
                    generation if generation == current - 1 => Verdict::Spent {
                        spent_at: session.last_used_at,
                    },
                    generation if generation < current => Verdict::Spent { spent_at: 0 },
                    _ => return Err(RefreshError::Invalid),
                }
            }
            Presented::Legacy { hash, .. } => match sessions::refresh_in(&mut tx, hash).await? {
                None => return Err(RefreshError::Invalid),
                Some(found) => match found.spent_at {
                    None => {
                        sessions::spend_refresh(&mut tx, hash, now).await?;
                        Verdict::Current
                    }
                    Some(spent_at) => Verdict::Spent { spent_at },
                },
            },
        };
        match verdict {
            Verdict::Current => {
                let next = self.next_state(&state, now)?;
                let live_until = (now + secs(self.policy.idle)).min(session.expires_at);
                refresh::rotate(&mut tx, sid, &next, now, live_until).await?;
                tx.commit().await?;
                tracing::info!("session refreshed");
                let token = self.key.seal(sid, next.refresh_generation);
                Ok(self.issue(&session, scope, Some(token), now)?)
            }
            Verdict::Spent { spent_at } if now - spent_at <= secs(self.policy.reuse_grace) => {
                drop(tx);
                tracing::info!("spent refresh token within the grace: access token only");
                Ok(self.issue(&session, scope, None, now)?)
            }
            Verdict::Spent { .. } => {
                self.end_replayed(tx, &session, origin, now).await?;
                Err(RefreshError::Replayed)
            }
        }
    }

    /// The state after one more rotation, unless the session used up this minute's rotations.
    fn next_state(&self, state: &RefreshState, now: i64) -> Result<RefreshState, RefreshError> {
        let (start, count) = if now - state.refresh_window_start >= 60 {
            (now, 0)
        } else {
            (state.refresh_window_start, state.refresh_window_count)
        };
        if count >= i64::from(self.policy.refreshes_per_minute) {
            let retry_after_secs = u64::try_from(start + 60 - now).unwrap_or(1).max(1);
            tracing::info!("refresh refused: too many this minute");
            return Err(RefreshError::TooFrequent { retry_after_secs });
        }
        Ok(RefreshState {
            refresh_generation: state.refresh_generation + 1,
            refresh_window_start: start,
            refresh_window_count: count + 1,
        })
    }

    /// A spent token presented after the grace: the whole session ends (RFC 9700 §4.14.2).
    async fn end_replayed(
        &self,
        mut tx: Tx,
        session: &Session,
        origin: &Origin,
        now: i64,
    ) -> Result<(), RefreshError> {
        sessions::end(&mut tx, &session.sid, now).await?;
        let entry = revocation(session, None, origin, "refresh token reuse");
        audit::record(&mut tx, &entry).await?;
        tx.commit().await?;
        self.metrics.sessions_revoked("refresh token reuse", 1);
        tracing::warn!("spent refresh token presented again: session ended");
        Ok(())
    }
}

/// The scope of the new access token: the requested one (none: the session's) if no wider than
/// the session's, narrowed to what the employee holds now, read under the session's lock (a
/// manager replaced keeps no `manager`). A former employee's session gets nothing.
async fn scope_now(
    tx: &mut Tx,
    session: &Session,
    requested: ScopeSet,
) -> Result<ScopeSet, RefreshError> {
    let held_roles = roles::held_in(tx, session.emp_no).await?;
    if !held_roles.contains(&Role::Employee) {
        return Err(RefreshError::Invalid);
    }
    let held = scopes_of(&held_roles);
    let granted = ScopeSet::from_claim(Some(&session.scope));
    let scope = if requested.is_empty() {
        granted
    } else {
        requested
    };
    if let Some(wider) = scope.iter().find(|s| !granted.contains(*s)) {
        return Err(RefreshError::Wider(wider));
    }
    Ok(scope.iter().filter(|s| held.contains(*s)).collect())
}
