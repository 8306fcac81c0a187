//! The directory's rules: who sees whom (the contract's table), paging with sealed cursors, and
//! which department figures a caller may see.

use crate::{
    db::Db,
    domain::{
        TokenRef,
        directory::{
            Card, DepartmentDetail, DepartmentSummary, EmployeeView, History, Reach, Record,
            SalarySpell, Search, SortKey, Status,
        },
        scope::{Scope, Viewer},
    },
    error::Error,
    repository::{
        directory::{
            self as repo, figures,
            kept::Kept,
            search::{self, Page, Source},
            timeout,
        },
        sessions,
    },
    service::{
        cursor::CursorKey,
        search_limits::{CallerShare, SearchLimits},
    },
};

/// Why the directory refused a request.
#[derive(Debug, thiserror::Error)]
pub enum DirectoryError {
    /// No such employee or department, or one the caller may not see at all.
    #[error("not found")]
    NotFound,
    /// The caller may see less than asked: the scope that would allow it.
    #[error("needs scope {0}")]
    NeedsScope(Scope),
    /// A cursor that this service did not seal for this search.
    #[error("bad cursor")]
    BadCursor,
    /// The caller's token was revoked (checked in the search's own statement).
    #[error("revoked token")]
    Revoked,
    /// The caller's share of searches is in flight (`search_limits`).
    #[error("too many searches in flight")]
    Busy,
    /// The database stopped a search statement at its time limit.
    #[error("search took too long")]
    TooSlow,
    #[error(transparent)]
    Internal(#[from] Error),
}

impl From<sqlx::Error> for DirectoryError {
    fn from(error: sqlx::Error) -> Self {
        if timeout::is_timeout(&error) {
            return DirectoryError::TooSlow;
        }
        DirectoryError::Internal(error.into())
    }
}

/// A page of cards and the cursor of the next one.
#[derive(Debug)]
pub struct CardPage {
    pub items: Vec<Card>,
    pub next_cursor: Option<String>,
}

/// A full record's history and salaries, newest first.
pub type RecordDetails = (History, Vec<SalarySpell>);

/// How much of an employee a caller sees (one they may not see at all is not found).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Access {
    Record,
    Card,
}

pub struct DirectoryService {
    db: Db,
    cursors: CursorKey,
    /// What this instance keeps between requests: plans of name prefixes, department heads.
    kept: Kept,
    limits: SearchLimits,
    /// Each caller's searches in flight.
    share: CallerShare,
}

impl DirectoryService {
    /// The one constructor: cursors are sealed with a key derived from the token secret; the
    /// default limits on searches (see [`Self::with_limits`]).
    pub fn new(db: Db, secret: &[u8]) -> Self {
        let limits = SearchLimits::default();
        Self {
            db,
            cursors: CursorKey::derive(secret),
            kept: Kept::default(),
            limits,
            share: CallerShare::new(limits.per_caller, limits.wait),
        }
    }

    /// The same service with other limits on searches (the configuration's).
    pub fn with_limits(self, limits: SearchLimits) -> Self {
        Self {
            limits,
            share: CallerShare::new(limits.per_caller, limits.wait),
            ..self
        }
    }

    /// Cards matching a search. Former employees only for `hr`. With `token`, it is checked
    /// for revocation in the same statement (`None`: the caller checked it already).
    #[tracing::instrument(skip_all, fields(viewer = viewer.emp_no))]
    pub async fn search(
        &self,
        viewer: Viewer,
        token: Option<&TokenRef<'_>>,
        search: &Search,
        cursor: Option<&str>,
    ) -> Result<CardPage, DirectoryError> {
        if search.status != Status::Current && !viewer.can(Scope::Hr) {
            // Liveness first: an ended session is told so, not that it lacks a scope.
            if let Some(token) = token
                && !sessions::is_live(&self.db, token).await?
            {
                return Err(DirectoryError::Revoked);
            }
            return Err(DirectoryError::NeedsScope(Scope::Hr));
        }
        self.page(viewer, "employees", search, cursor, token).await
    }

    /// Cards of a department's current staff, filtered like a search.
    #[tracing::instrument(skip_all, fields(viewer = viewer.emp_no, dept_no))]
    pub async fn department_staff(
        &self,
        viewer: Viewer,
        dept_no: &str,
        token: Option<&TokenRef<'_>>,
        search: Search,
        cursor: Option<&str>,
    ) -> Result<CardPage, DirectoryError> {
        let search = Search {
            department: Some(dept_no.to_owned()),
            status: Status::Current,
            ..search
        };
        let page = self.page(viewer, "staff", &search, cursor, token).await?;
        // An empty page may be an unknown department (whose search read nothing): only then is
        // it worth asking.
        if page.items.is_empty() && figures::department(&self.db, dept_no).await?.is_none() {
            return Err(DirectoryError::NotFound);
        }
        Ok(page)
    }

    /// A page of a search, within the caller's share of searches.
    async fn page(
        &self,
        viewer: Viewer,
        context: &str,
        search: &Search,
        cursor: Option<&str>,
        token: Option<&TokenRef<'_>>,
    ) -> Result<CardPage, DirectoryError> {
        let fingerprint = format!("{context}|{}", search.fingerprint());
        let after = match cursor {
            Some(cursor) => Some(
                self.cursors
                    .open(cursor, &fingerprint)
                    .ok_or(DirectoryError::BadCursor)?,
            ),
            None => None,
        };
        let limit = search.limit.clamp(1, 100) as usize;
        // Held until the answer is read: the statements below are the caller's share of the pool.
        let _turn = self
            .share
            .enter(viewer.emp_no)
            .await
            .map_err(|_| DirectoryError::Busy)?;
        let source = Source {
            db: &self.db,
            kept: &self.kept,
            timeout: timeout::StatementTimeout(self.limits.statement_timeout),
        };
        let page = Page {
            after: after.as_ref(),
            fetch: limit + 1,
            token,
        };
        let (mut records, revoked) = search::find(source, search, page).await?;
        // An empty page carries no revocation column: then the token is looked up on its own.
        let revoked = match token {
            Some(token) if records.is_empty() => !sessions::is_live(&self.db, token).await?,
            _ => revoked,
        };
        if revoked {
            return Err(DirectoryError::Revoked);
        }
        let more = records.len() > limit;
        records.truncate(limit);
        let next_cursor = match records.last() {
            Some(last) if more => {
                let key = SortKey {
                    last_name: last.card.last_name.clone(),
                    first_name: last.card.first_name.clone(),
                    emp_no: last.card.emp_no,
                };
                Some(self.cursors.seal(&key, &fingerprint))
            }
            _ => None,
        };
        let items = records.into_iter().map(|record| record.card).collect();
        Ok(CardPage { items, next_cursor })
    }

    /// The contract's table: `hr` sees everyone in full; `me` oneself; `manager` the current staff
    /// of the departments the caller manages now; `directory` and `manager` see current
    /// employees' cards; nobody else sees anything. Whom the caller may see at all is applied by
    /// the look-up itself ([`Reach`]): someone hidden is answered exactly as someone missing.
    fn reach(viewer: Viewer) -> Reach {
        Reach {
            everyone: viewer.can(Scope::Hr),
            own: viewer.can(Scope::Me).then_some(viewer.emp_no),
            current: viewer.can(Scope::Directory) || viewer.can(Scope::Manager),
            manager: viewer.can(Scope::Manager).then_some(viewer.emp_no),
        }
    }

    /// The employee if the caller may see them, and how much: one statement, the same (and
    /// answering no row) for someone hidden and for someone missing.
    async fn visible(
        &self,
        viewer: Viewer,
        emp_no: i32,
    ) -> Result<(Record, Access), DirectoryError> {
        let reach = Self::reach(viewer);
        let (record, managed) = repo::visible_record(&self.db, &self.kept, &reach, emp_no)
            .await?
            .ok_or(DirectoryError::NotFound)?;
        let own = reach.own == Some(record.card.emp_no);
        let access = if reach.everyone || own || managed {
            Access::Record
        } else {
            Access::Card
        };
        Ok((record, access))
    }

    /// The full record when the caller may see it, else the card; `NotFound` when neither.
    #[tracing::instrument(skip_all, fields(viewer = viewer.emp_no, emp_no))]
    pub async fn employee(
        &self,
        viewer: Viewer,
        emp_no: i32,
    ) -> Result<EmployeeView, DirectoryError> {
        Ok(match self.visible(viewer, emp_no).await? {
            (record, Access::Record) => EmployeeView::Record(record),
            (record, _) => EmployeeView::Card(record.card),
        })
    }

    /// What the record page shows: the view, and with a full record its history and salaries
    /// (one access check for the three).
    #[tracing::instrument(skip_all, fields(viewer = viewer.emp_no, emp_no))]
    pub async fn employee_with_history(
        &self,
        viewer: Viewer,
        emp_no: i32,
    ) -> Result<(EmployeeView, Option<RecordDetails>), DirectoryError> {
        Ok(match self.visible(viewer, emp_no).await? {
            (record, Access::Record) => {
                let (departments, titles) = repo::history(&self.db, emp_no).await?;
                let salaries = repo::salaries(&self.db, emp_no).await?;
                let history = History {
                    departments,
                    titles,
                };
                (EmployeeView::Record(record), Some((history, salaries)))
            }
            (record, _) => (EmployeeView::Card(record.card), None),
        })
    }

    /// Departments and titles, for those who may see the full record.
    #[tracing::instrument(skip_all, fields(viewer = viewer.emp_no, emp_no))]
    pub async fn history(&self, viewer: Viewer, emp_no: i32) -> Result<History, DirectoryError> {
        self.full_access(viewer, emp_no).await?;
        let (departments, titles) = repo::history(&self.db, emp_no).await?;
        Ok(History {
            departments,
            titles,
        })
    }

    /// Salaries, for those who may see the full record.
    #[tracing::instrument(skip_all, fields(viewer = viewer.emp_no, emp_no))]
    pub async fn salaries(
        &self,
        viewer: Viewer,
        emp_no: i32,
    ) -> Result<Vec<SalarySpell>, DirectoryError> {
        self.full_access(viewer, emp_no).await?;
        Ok(repo::salaries(&self.db, emp_no).await?)
    }

    async fn full_access(&self, viewer: Viewer, emp_no: i32) -> Result<(), DirectoryError> {
        match self.visible(viewer, emp_no).await?.1 {
            Access::Record => Ok(()),
            _ => Err(DirectoryError::NeedsScope(Scope::Hr)),
        }
    }

    /// Departments whose payroll the caller sees: all for `hr`, those managed now for `manager`.
    async fn payroll_visible(&self, viewer: Viewer) -> Result<PayrollVisibility, DirectoryError> {
        if viewer.can(Scope::Hr) {
            return Ok(PayrollVisibility::All);
        }
        if viewer.can(Scope::Manager) {
            return Ok(PayrollVisibility::Some(
                repo::managed_departments(&self.db, viewer.emp_no).await?,
            ));
        }
        Ok(PayrollVisibility::Some(Vec::new()))
    }

    /// The nine departments with manager and headcount (and payroll where allowed).
    #[tracing::instrument(skip_all, fields(viewer = viewer.emp_no))]
    pub async fn departments(
        &self,
        viewer: Viewer,
    ) -> Result<Vec<DepartmentSummary>, DirectoryError> {
        let visibility = self.payroll_visible(viewer).await?;
        Ok(figures::departments(&self.db)
            .await?
            .into_iter()
            .map(|figures| visibility.apply(figures))
            .collect())
    }

    /// One department and its manager history.
    #[tracing::instrument(skip_all, fields(viewer = viewer.emp_no, dept_no))]
    pub async fn department(
        &self,
        viewer: Viewer,
        dept_no: &str,
    ) -> Result<DepartmentDetail, DirectoryError> {
        let figures = figures::department(&self.db, dept_no)
            .await?
            .ok_or(DirectoryError::NotFound)?;
        let summary = self.payroll_visible(viewer).await?.apply(figures);
        let managers = repo::managers(&self.db, dept_no).await?;
        Ok(DepartmentDetail { summary, managers })
    }
}

enum PayrollVisibility {
    All,
    Some(Vec<String>),
}

impl PayrollVisibility {
    fn apply(&self, figures: figures::DepartmentFigures) -> DepartmentSummary {
        let shown = match self {
            PayrollVisibility::All => true,
            PayrollVisibility::Some(managed) => managed.contains(&figures.summary.dept_no),
        };
        DepartmentSummary {
            payroll: shown.then_some(figures.payroll),
            ..figures.summary
        }
    }
}
