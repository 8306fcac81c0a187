//! The outbox's sender, one background task per instance: it claims due messages (a lease, so
//! that two instances never send one message at once), sends them, marks them sent, and on a
//! failure tries again later with exponential back-off. At least once: an instance that dies
//! between sending and marking leaves the message to be sent again when its lease ends.

mod transport;

pub use transport::{Failure, Mailer, SMTP_TIMEOUT, TransportError};

use std::{sync::Arc, time::Duration};

use lettre::{
    Message,
    message::{
        Body, Mailbox,
        header::{ContentTransferEncoding, ContentType},
    },
};
use tokio::sync::Notify;

use crate::{clock::Clock, db::Db, error::Error, repository::outbox};

/// A claim holds its messages this long (several times [`SMTP_TIMEOUT`]).
pub const LEASE_SECS: i64 = 300;
/// The wait after the first failed attempt; each further failure doubles it, up to
/// [`MAX_BACKOFF_SECS`].
pub const FIRST_BACKOFF_SECS: i64 = 30;
pub const MAX_BACKOFF_SECS: i64 = 3600;
/// A message is given up after this many failed attempts (some hours: its link is dead by then).
pub const MAX_ATTEMPTS: i32 = 10;
/// Messages claimed at once.
const BATCH: u32 = 20;

/// The wait before the next attempt, after `failures` failed ones (at least 1).
pub fn backoff_secs(failures: i32) -> i64 {
    let doublings = u32::try_from(failures.saturating_sub(1))
        .unwrap_or(0)
        .min(20);
    (FIRST_BACKOFF_SECS << doublings).min(MAX_BACKOFF_SECS)
}

/// What one pass did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Delivered {
    pub sent: usize,
    pub failed: usize,
}

pub struct Sender {
    db: Db,
    clock: Clock,
    mailer: Mailer,
    from: Mailbox,
    /// Wakes the sender before its next poll (a message queued by this instance).
    wake: Arc<Notify>,
}

impl Sender {
    pub fn new(db: Db, clock: Clock, mailer: Mailer, from: Mailbox, wake: Arc<Notify>) -> Self {
        Self {
            db,
            clock,
            mailer,
            from,
            wake,
        }
    }

    /// Where messages go, for the log.
    pub fn describe(&self) -> String {
        self.mailer.describe()
    }

    /// One pass: claims the due messages and sends each.
    #[tracing::instrument(skip_all)]
    pub async fn deliver_due(&self) -> Result<Delivered, Error> {
        let claimer = uuid::Uuid::new_v4().to_string();
        let now = self.clock.now();
        let claimed = outbox::claim(&self.db, &claimer, now, now + LEASE_SECS, BATCH).await?;
        let mut delivered = Delivered::default();
        for message in claimed {
            match self.send(&message).await {
                Ok(went_to) => {
                    let now = self.clock.now();
                    let marked = outbox::mark_sent(&self.db, message.id, &claimer, now).await?;
                    // Never the recipient's link: the outbox id and where the message went.
                    tracing::info!(outbox_id = message.id, to = %went_to, marked, "mail sent");
                    delivered.sent += 1;
                }
                Err(failure) => {
                    let failures = message.attempts.saturating_add(1);
                    let now = self.clock.now();
                    let retry_at = (!failure.permanent && failures < MAX_ATTEMPTS)
                        .then(|| now + backoff_secs(failures));
                    outbox::mark_failed(
                        &self.db,
                        message.id,
                        &claimer,
                        retry_at,
                        now,
                        &failure.reason,
                    )
                    .await?;
                    tracing::warn!(
                        outbox_id = message.id,
                        failures,
                        retry_at,
                        reason = %failure.reason,
                        "mail not sent"
                    );
                    delivered.failed += 1;
                }
            }
        }
        Ok(delivered)
    }

    async fn send(&self, message: &outbox::Claimed) -> Result<String, Failure> {
        let refused = |reason: String| Failure {
            permanent: true,
            reason,
        };
        let to: Mailbox = message
            .recipient
            .parse()
            .map_err(|_| refused("the recipient is not an address".to_owned()))?;
        // A file is read by people: its text stays as written (the link whole on its line).
        // Over SMTP lettre picks the encoding (quoted-printable for lines over 76 characters).
        let body = if self.mailer.keeps_text_as_written() {
            Body::new_with_encoding(message.body.clone(), ContentTransferEncoding::Binary)
                .unwrap_or_else(Body::new)
        } else {
            Body::new(message.body.clone())
        };
        let email = Message::builder()
            .from(self.from.clone())
            .to(to)
            .subject(message.subject.clone())
            .header(ContentType::TEXT_PLAIN)
            .body(body)
            .map_err(|error| refused(error.to_string()))?;
        self.mailer.send(email).await
    }

    /// Passes every `every`, or sooner when woken, until the process ends; a failed pass only
    /// delays the next.
    pub async fn run_forever(self, every: Duration) {
        tracing::info!(to = %self.describe(), "the mail sender is running");
        loop {
            match self.deliver_due().await {
                Ok(delivered) if delivered != Delivered::default() => {
                    tracing::debug!(?delivered, "mail pass done");
                }
                Ok(_) => {}
                Err(error) => tracing::warn!(%error, "mail pass failed; trying again later"),
            }
            let _ = tokio::time::timeout(every, self.wake.notified()).await;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_up_to_an_hour() {
        assert_eq!(backoff_secs(1), 30);
        assert_eq!(backoff_secs(2), 60);
        assert_eq!(backoff_secs(3), 120);
        assert_eq!(backoff_secs(9), 3600);
        assert_eq!(backoff_secs(50), 3600);
    }
}
