//! What one caller's searches may take of the database (issue 23: one employee with ten slow
//! searches in flight held every pooled connection, and everyone else's requests waited for the
//! pool until they failed). At most `per_caller` of a caller's searches run at once; the rest wait
//! their turn for a while and are then refused (`429`). Keyed by the employee, not the address: a
//! caller's sessions and devices share one budget, and callers behind one proxy do not. Each
//! statement of a search also has a time limit on MySQL/MariaDB (`repository::directory::timeout`).

use std::{
    collections::HashMap,
    sync::{Arc, Mutex, PoisonError},
    time::Duration,
};

use tokio::sync::{OwnedSemaphorePermit, Semaphore};

pub use crate::config::SearchLimits;

/// The share of every caller, and the callers with searches in flight or waiting.
#[derive(Debug)]
pub struct CallerShare {
    per_caller: usize,
    wait: Duration,
    /// Callers with a turn held or awaited: an entry goes with its caller's last turn, and any
    /// left behind (a wait cancelled at an unlucky moment) when the map grows past [`SWEEP_AT`].
    callers: Arc<Mutex<HashMap<i32, Arc<Semaphore>>>>,
}

/// How many callers the map holds before entries nobody uses are dropped.
const SWEEP_AT: usize = 1024;

/// A caller's turn: the search runs while it is held.
#[derive(Debug)]
pub struct Turn {
    caller: i32,
    gate: Arc<Semaphore>,
    permit: Option<OwnedSemaphorePermit>,
    callers: Arc<Mutex<HashMap<i32, Arc<Semaphore>>>>,
}

/// The caller's searches still held every turn after the wait.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("too many searches in flight for one caller")]
pub struct Busy;

impl CallerShare {
    /// `per_caller` searches at once (at least one); more wait up to `wait` for a turn.
    pub fn new(per_caller: usize, wait: Duration) -> Self {
        Self {
            per_caller: per_caller.max(1),
            wait,
            callers: Arc::default(),
        }
    }

    /// A turn of `caller`'s, once one of theirs is free; `Busy` if none frees up within the wait.
    pub async fn enter(&self, caller: i32) -> Result<Turn, Busy> {
        let gate = {
            let mut callers = self.callers.lock().unwrap_or_else(PoisonError::into_inner);
            if callers.len() >= SWEEP_AT {
                callers.retain(|_, gate| Arc::strong_count(gate) > 1);
            }
            callers
                .entry(caller)
                .or_insert_with(|| Arc::new(Semaphore::new(self.per_caller)))
                .clone()
        };
        // Waiting, the turn holds the gate, which keeps the caller's entry.
        let mut turn = Turn {
            caller,
            gate,
            permit: None,
            callers: self.callers.clone(),
        };
        let permit = match turn.gate.clone().try_acquire_owned() {
            Ok(permit) => Some(permit),
            Err(_) => tokio::time::timeout(self.wait, turn.gate.clone().acquire_owned())
                .await
                .ok()
                .and_then(Result::ok),
        };
        turn.permit = Some(permit.ok_or(Busy)?);
        Ok(turn)
    }

    /// Callers with a turn held or awaited now.
    pub fn callers(&self) -> usize {
        self.callers
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .len()
    }
}

impl Drop for Turn {
    fn drop(&mut self) {
        let mut callers = self.callers.lock().unwrap_or_else(PoisonError::into_inner);
        drop(self.permit.take());
        // Under the lock nobody clones the gate meanwhile: held only by the map and this turn,
        // nobody else holds or awaits a turn of this caller's, and the entry can go.
        if Arc::strong_count(&self.gate) == 2
            && callers
                .get(&self.caller)
                .is_some_and(|gate| Arc::ptr_eq(gate, &self.gate))
        {
            callers.remove(&self.caller);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    // The waits are short and nothing is timed: a refusal needs every turn held, which the test
    // decides.
    #[tokio::test]
    async fn a_caller_beyond_the_share_waits_then_is_refused_and_others_go_on() {
        let share = Arc::new(CallerShare::new(2, Duration::from_millis(20)));
        let first = share.enter(1).await.unwrap();
        let _second = share.enter(1).await.unwrap();
        assert_eq!(share.enter(1).await.unwrap_err(), Busy);
        let _other = share.enter(2).await.unwrap();
        // A turn given back goes to the one waiting for it.
        let patient = Arc::new(CallerShare::new(2, Duration::from_secs(60)));
        let held = (
            patient.enter(1).await.unwrap(),
            patient.enter(1).await.unwrap(),
        );
        let waiting = tokio::spawn({
            let patient = patient.clone();
            async move { patient.enter(1).await.map(drop) }
        });
        tokio::task::yield_now().await;
        drop(held.0);
        assert_eq!(waiting.await.unwrap(), Ok(()));
        drop(first);
        assert_eq!(share.callers(), 2);
    }

    #[tokio::test]
    async fn callers_are_forgotten_with_their_last_turn() {
        let share = CallerShare::new(1, Duration::from_millis(1));
        let turn = share.enter(7).await.unwrap();
        assert_eq!(share.enter(7).await.unwrap_err(), Busy);
        assert_eq!(share.callers(), 1);
        drop(turn);
        assert_eq!(share.callers(), 0);
        drop(share.enter(7).await.unwrap());
        assert_eq!(share.callers(), 0);
    }
}
