//! Removing a client: its row, its consents (by cascade) and every live session started for it
//! go in one transaction, each ended session on record as a logout is.

use serde_json::json;

use super::{ClientError, ClientService};
use crate::{
    domain::session::{Origin, Session},
    error::Error,
    repository::{
        audit::{self, Entry},
        clients, sessions,
    },
    retry::{Idempotent, retry},
};

impl ClientService {
    /// Deletes a client and, in the same transaction, ends every live session started for it
    /// (each audited, as a logout is) and its consents. Returns how many sessions ended.
    #[tracing::instrument(skip(self, origin))]
    pub async fn remove(
        &self,
        client_id: &str,
        actor: Option<i32>,
        origin: &Origin,
    ) -> Result<u64, ClientError> {
        let work = || self.remove_once(client_id, actor, origin);
        let ended = retry("remove client", Idempotent::Yes, work)
            .await?
            .ok_or(ClientError::NotFound)?;
        self.metrics.sessions_revoked("client removed", ended);
        tracing::info!(ended, "client removed");
        Ok(ended)
    }

    async fn remove_once(
        &self,
        client_id: &str,
        actor: Option<i32>,
        origin: &Origin,
    ) -> Result<Option<u64>, Error> {
        let now = self.clock.now();
        let mut tx = self.db.begin().await?;
        // The delete first: it locks the client's row, so that no session is started for it
        // between the read of its sessions and their end.
        if !clients::delete(&mut tx, client_id).await? {
            return Ok(None);
        }
        let live = sessions::live_of_client(&mut tx, client_id, now).await?;
        let ended = sessions::end_of_client(&mut tx, client_id, now).await?;
        for session in &live {
            audit::record(&mut tx, &revocation(session, actor, origin)).await?;
        }
        let entry = Entry {
            actor,
            action: "client.remove",
            emp_no: None,
            ip: origin.ip_text(),
            user_agent: origin.user_agent.as_deref(),
            details: json!({"client_id": client_id, "sessions_ended": ended}),
        };
        audit::record(&mut tx, &entry).await?;
        tx.commit().await?;
        Ok(Some(ended))
    }
}

/// The audit entry of a session ended with its client (as `session.revoke` records a logout).
fn revocation<'a>(session: &Session, actor: Option<i32>, origin: &'a Origin) -> Entry<'a> {
    Entry {
        actor,
        action: "session.revoke",
        emp_no: Some(session.emp_no),
        ip: origin.ip_text(),
        user_agent: origin.user_agent.as_deref(),
        details: json!({"sid": session.sid, "reason": "client removed"}),
    }
}
