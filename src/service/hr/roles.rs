//! Granted roles (`hr`, `admin`): read and replaced by `admin`. Taking a role away ends the
//! employee's sessions, so that no token keeps a scope its holder lost.

use chrono::Utc;
use serde_json::json;

use super::{Actor, HrError, HrService};
use crate::{
    domain::scope::Role,
    repository::{
        audit::{self, Entry},
        hr, roles, sessions,
    },
    retry::{Idempotent, retry},
};

impl HrService {
    /// The roles granted to `emp_no`.
    pub async fn granted_roles(&self, emp_no: i32) -> Result<Vec<Role>, HrError> {
        let mut tx = self.db.begin().await?;
        if !hr::employee_exists(&mut tx, emp_no).await? {
            return Err(HrError::NotFound);
        }
        Ok(roles::granted(&mut tx, emp_no).await?)
    }

    /// Makes `wanted` (only `hr` and `admin`) the roles granted to `emp_no`, in one transaction
    /// with its audit entry; a role taken away cuts off every token issued to the employee.
    #[tracing::instrument(skip_all, fields(actor = actor.emp_no, emp_no))]
    pub async fn set_roles(
        &self,
        actor: &Actor<'_>,
        emp_no: i32,
        wanted: &[Role],
    ) -> Result<Vec<Role>, HrError> {
        let work = || self.set_roles_once(actor, emp_no, wanted);
        retry("roles", Idempotent::Yes, work).await
    }

    async fn set_roles_once(
        &self,
        actor: &Actor<'_>,
        emp_no: i32,
        wanted: &[Role],
    ) -> Result<Vec<Role>, HrError> {
        let mut after: Vec<Role> = wanted
            .iter()
            .copied()
            .filter(|role| matches!(role, Role::Hr | Role::Admin))
            .collect();
        after.sort_unstable();
        after.dedup();
        let mut tx = self.db.begin().await?;
        if !hr::lock_employee(&mut tx, emp_no).await? {
            return Err(HrError::NotFound);
        }
        let before = roles::granted(&mut tx, emp_no).await?;
        if before == after {
            return Ok(after);
        }
        roles::replace(&mut tx, emp_no, &after).await?;
        let mut ended = 0;
        if before.iter().any(|role| !after.contains(role)) {
            ended = sessions::end_all(&mut tx, emp_no, None, Utc::now().timestamp()).await?;
        }
        let names = |roles: &[Role]| roles.iter().map(|r| r.as_str()).collect::<Vec<_>>();
        let entry = Entry {
            actor: Some(actor.emp_no),
            action: "roles.change",
            emp_no: Some(emp_no),
            ip: actor.ip.map(|ip| ip.to_string()),
            user_agent: actor.user_agent,
            details: json!({"before": {"roles": names(&before)}, "after": {"roles": names(&after)}}),
        };
        audit::record(&mut tx, &entry).await?;
        tx.commit().await?;
        self.metrics.sessions_revoked("role removed", ended);
        Ok(after)
    }
}
