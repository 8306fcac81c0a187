//! Judging a password against a stored hash, with the failed-login budget settled by the verdict
//! itself: the work runs detached from the request, so a client that hangs up mid-bcrypt neither
//! gets the work for free (a wrong password is still spent) nor loses its budget when it was
//! right. Verifications in flight are bounded, and a request abandoned before its turn costs
//! nothing and is given back.

use std::sync::Arc;

use secrecy::SecretString;
use tokio::sync::{Semaphore, oneshot};
use tracing::Instrument;

use crate::{
    error::Error,
    service::{password, throttle::Attempt},
};

pub struct Verifier {
    /// Verifications running or queued on the blocking pool at once.
    gate: Arc<Semaphore>,
    /// Verified against when an email is unknown, so that it costs what a wrong password costs.
    dummy_hash: Arc<str>,
    cost: u32,
}

impl Verifier {
    /// Hashes the dummy password at the configured cost.
    pub async fn new(cost: u32) -> Result<Self, Error> {
        let dummy = SecretString::from(uuid::Uuid::new_v4().to_string());
        Ok(Self {
            gate: Arc::new(Semaphore::new(
                2 * std::thread::available_parallelism().map_or(2, usize::from),
            )),
            dummy_hash: password::hash(dummy, cost).await?.into(),
            cost,
        })
    }

    pub fn cost(&self) -> u32 {
        self.cost
    }

    pub fn dummy_hash_cost(&self) -> Option<u32> {
        password::cost_of(&self.dummy_hash)
    }

    /// Whether `password` matches `stored` (`None`: an unknown email, judged against the dummy
    /// hash and never matching), settling `attempt`: spent when wrong, given back otherwise.
    pub async fn judge(
        &self,
        password: SecretString,
        stored: Option<String>,
        attempt: Attempt,
    ) -> Result<bool, Error> {
        let (verdict, answer) = oneshot::channel();
        let gate = self.gate.clone();
        let dummy = self.dummy_hash.clone();
        let cost = self.cost;
        // The caller's span goes with the detached work (zero2prod's `spawn_blocking` pattern).
        let span = tracing::Span::current();
        tokio::spawn(
            async move {
                let Ok(permit) = gate.clone().acquire_owned().await else {
                    return; // never closed; the attempt is given back on drop
                };
                if verdict.is_closed() {
                    return; // the request is gone and no work was done: given back on drop
                }
                let known = stored.is_some();
                let hash = stored.unwrap_or_else(|| dummy.to_string());
                let mut result = password::verify(password.clone(), hash.clone(), permit).await;
                let matches = matches!(result, Ok(true)) && known;
                // A wrong password for a hash cheaper than the configured cost (not re-hashed yet)
                // would answer faster than an unknown email: spend the dummy's work too.
                if !matches
                    && known
                    && password::cost_of(&hash) < Some(cost)
                    && let Ok(permit) = gate.acquire_owned().await
                {
                    let _ = password::verify(password, dummy.to_string(), permit).await;
                }
                match &mut result {
                    Ok(judged) => {
                        *judged = matches;
                        // Settled before the answer, so that the next attempt sees it.
                        attempt.settle(!matches).await;
                    }
                    Err(_) => drop(attempt), // no verdict: given back
                }
                let _ = verdict.send(result);
            }
            .instrument(span),
        );
        answer
            .await
            .map_err(|_| Error::Io(std::io::Error::other("the verification was lost")))?
    }
}

#[cfg(test)]
mod tests {
    use std::{num::NonZeroU32, time::Duration};

    use super::*;
    use crate::service::throttle::{Client, LoginThrottle};

    const ACCOUNT: &str = "victim@example.com";

    async fn setup() -> (Verifier, Arc<LoginThrottle>, String, Client<'static>) {
        let verifier = Verifier::new(4).await.unwrap();
        let throttle = Arc::new(LoginThrottle::new(
            crate::service::throttle::tests::memory_db().await,
            crate::clock::Clock::system(),
            NonZeroU32::new(1).unwrap(),
            Duration::from_secs(30),
        ));
        let stored = password::hash("right".into(), 4).await.unwrap();
        let client = Client {
            address: Some("192.0.2.1".parse().unwrap()),
            device: None,
        };
        (verifier, throttle, stored, client)
    }

    /// Starts judging `password` and abandons the request once the bcrypt work has begun
    /// (`started`) or before it could (`!started`); returns whether the budget is spent.
    async fn abandon(password: &str, started: bool) -> bool {
        let (verifier, throttle, stored, client) = setup().await;
        let attempt = throttle.reserve(&client, ACCOUNT).await.unwrap();
        let mut judging = Box::pin(verifier.judge(password.into(), Some(stored), attempt));
        tokio::select! {
            biased;
            _ = &mut judging => panic!("judged without waiting for bcrypt"),
            () = std::future::ready(()) => {}
        }
        if started {
            // The current-thread runtime runs the detached task now, up to the blocking pool.
            tokio::task::yield_now().await;
        }
        drop(judging);
        // The budget is held until the verdict settles it; then either spent or given back.
        throttle.reserve(&client, ACCOUNT).await.is_err()
    }

    #[tokio::test]
    async fn an_abandoned_wrong_password_is_still_spent() {
        assert!(abandon("wrong", true).await, "bcrypt ran: no free guess");
    }

    #[tokio::test]
    async fn an_abandoned_right_password_gives_the_budget_back() {
        assert!(!abandon("right", true).await);
    }

    #[tokio::test]
    async fn a_request_gone_before_its_turn_costs_nothing() {
        assert!(
            !abandon("wrong", false).await,
            "no work done, nothing spent"
        );
    }

    #[tokio::test]
    async fn verdicts() {
        for (password, stored, expected) in [
            ("right", true, true),
            ("wrong", true, false),
            ("right", false, false),
        ] {
            let (verifier, throttle, hash, client) = setup().await;
            let stored = stored.then_some(hash);
            let attempt = throttle.reserve(&client, ACCOUNT).await.unwrap();
            let matches = verifier
                .judge(password.into(), stored, attempt)
                .await
                .unwrap();
            assert_eq!(matches, expected, "{password}");
            // A wrong password or an unknown email spends the budget; a right one gives it back.
            assert_eq!(throttle.reserve(&client, ACCOUNT).await.is_err(), !expected);
        }
    }
}
