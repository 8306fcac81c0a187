//! Sessions' ends and what is known of them: ending one (logout, the session list), RFC 7009
//! revocation, RFC 7662 introspection, the list.

use serde_json::json;

use super::{SessionService, hash};
use crate::{
    domain::{
        TokenRef,
        client::GrantType,
        session::{Origin, Session},
    },
    error::Error,
    repository::{
        audit::{self, Entry},
        clients, sessions,
    },
    retry::{Idempotent, retry},
    service::jwt::Claims,
};

/// What introspection says of an active token.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Active {
    /// The emp_no as a string, or for a client's own token the client.
    pub sub: String,
    /// The client it was issued to (`first-party` for our own logins).
    pub client_id: Option<String>,
    pub scope: String,
    pub exp: i64,
    pub iat: i64,
    pub sid: String,
    /// `access_token` or `refresh_token`.
    pub token_type: &'static str,
}

impl SessionService {
    /// Ends a live session, with its audit entry; `owner`: only if it is this employee's.
    /// `false` when there was no such live session (of the owner).
    #[tracing::instrument(skip_all, fields(sid))]
    pub async fn end(
        &self,
        sid: &str,
        owner: Option<i32>,
        actor: Option<i32>,
        origin: &Origin,
        reason: &'static str,
    ) -> Result<bool, Error> {
        let work = || self.end_once(sid, owner, actor, origin, reason);
        retry("end session", Idempotent::Yes, work).await
    }

    async fn end_once(
        &self,
        sid: &str,
        owner: Option<i32>,
        actor: Option<i32>,
        origin: &Origin,
        reason: &'static str,
    ) -> Result<bool, Error> {
        let now = self.now();
        let mut tx = self.db.begin().await?;
        let session = match sessions::lock(&mut tx, sid).await? {
            Some(session) if session.is_live(now) && owner.is_none_or(|o| o == session.emp_no) => {
                session
            }
            _ => return Ok(false),
        };
        sessions::end(&mut tx, sid, now).await?;
        audit::record(&mut tx, &revocation(&session, actor, origin, reason)).await?;
        tx.commit().await?;
        self.metrics.sessions_revoked(reason, 1);
        tracing::info!(reason, "session ended");
        Ok(true)
    }

    /// RFC 7009: ends the session of an access or refresh token; nothing for a token that is
    /// unknown, forged or expired, nor (when a registered client asks) for a token that was not
    /// issued to that client.
    pub async fn revoke(
        &self,
        token: &str,
        client: Option<&str>,
        origin: &Origin,
    ) -> Result<(), Error> {
        let (sid, access_client) = match (self.jwt.validate(token).await, self.key.open(token)) {
            (Ok(claims), _) => (Some(claims.sid), Some(claims.client_id)),
            (Err(_), Some(sealed)) => (Some(sealed.sid), None),
            (Err(_), None) => {
                let found = sessions::find_refresh(&self.db, &hash(token)).await?;
                (found.map(|found| found.sid), None)
            }
        };
        let Some(sid) = sid else {
            return Ok(());
        };
        if let Some(client) = client {
            let owner = match access_client {
                Some(owner) => owner,
                None => sessions::find(&self.db, &sid)
                    .await?
                    .and_then(|session| session.client_id),
            };
            if owner.as_deref() != Some(client) {
                tracing::info!("revocation by a client of a token not issued to it: ignored");
                return Ok(());
            }
        }
        self.end(&sid, None, None, origin, "revocation").await?;
        Ok(())
    }

    /// RFC 7662: what an active token is; `None` for anything else (unknown, forged, expired, spent,
    /// or its session ended).
    pub async fn introspect(&self, token: &str) -> Result<Option<Active>, Error> {
        let now = self.now();
        if let Ok(claims) = self.jwt.validate(token).await {
            if claims.is_client() {
                return self.introspect_client_token(claims).await;
            }
            let Some(emp_no) = claims.emp_no() else {
                return Ok(None);
            };
            let reference = TokenRef {
                sid: &claims.sid,
                emp_no,
                now,
            };
            if !sessions::is_live(&self.db, &reference).await? {
                return Ok(None);
            }
            return Ok(Some(active_access(claims, emp_no)));
        }
        // A refresh token is active while it is its live session's current one.
        let (sid, current) = match self.key.open(token) {
            Some(sealed) => (sealed.sid, Some(sealed.generation)),
            None => match sessions::find_refresh(&self.db, &hash(token)).await? {
                Some(found) if found.spent_at.is_none() => (found.sid, None),
                _ => return Ok(None),
            },
        };
        let session = match sessions::find(&self.db, &sid).await? {
            Some(session) if session.is_live(now) => session,
            _ => return Ok(None),
        };
        if let Some(generation) = current
            && sessions::refresh_generation(&self.db, &sid).await? != Some(generation)
        {
            return Ok(None);
        }
        Ok(Some(Active {
            sub: session.emp_no.to_string(),
            client_id: session.client_id,
            scope: session.scope,
            exp: session.live_until,
            iat: session.last_used_at,
            sid: session.sid,
            token_type: "refresh_token",
        }))
    }

    /// A client's own token is active while its client may hold one.
    async fn introspect_client_token(&self, claims: Claims) -> Result<Option<Active>, Error> {
        let live = match clients::find(&self.db, &claims.sub).await? {
            Some(stored) => {
                stored.client.confidential
                    && stored.client.allows_grant(GrantType::ClientCredentials)
            }
            None => false,
        };
        Ok(live.then(|| Active {
            sub: claims.sub,
            client_id: claims.client_id,
            scope: claims.scope.unwrap_or_default(),
            exp: claims.exp,
            iat: claims.iat,
            sid: claims.sid,
            token_type: "access_token",
        }))
    }

    /// The employee's live sessions, newest first.
    pub async fn list(&self, emp_no: i32) -> Result<Vec<Session>, Error> {
        Ok(sessions::live_of(&self.db, emp_no, self.now()).await?)
    }
}

fn active_access(claims: Claims, emp_no: i32) -> Active {
    Active {
        sub: emp_no.to_string(),
        client_id: claims.client_id,
        scope: claims.scope.unwrap_or_default(),
        exp: claims.exp,
        iat: claims.iat,
        sid: claims.sid,
        token_type: "access_token",
    }
}

/// The audit entry of a session's end.
pub(crate) fn revocation<'a>(
    session: &Session,
    actor: Option<i32>,
    origin: &'a Origin,
    reason: &str,
) -> Entry<'a> {
    Entry {
        actor,
        action: "session.revoke",
        emp_no: Some(session.emp_no),
        ip: origin.ip_text(),
        user_agent: origin.user_agent.as_deref(),
        details: json!({"sid": session.sid, "reason": reason}),
    }
}
