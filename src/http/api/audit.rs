//! `GET /audit` (scope `admin`): the audit trail, newest first, filtered and paged like
//! `/employees`. Reading it is not itself audited.

use axum::{
    Json,
    extract::State,
    http::{HeaderValue, header},
    response::{IntoResponse, Response},
};
use chrono::{DateTime, NaiveDate, NaiveDateTime, NaiveTime, TimeDelta, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::{
    domain::{
        self,
        audit::{ACTIONS, AuditEntry, AuditFilter},
    },
    error::{Detail, Error},
    http::{
        extract::auth::{AdminRead, Authorized},
        extract::search_query::{DEFAULT_LIMIT, Params, bad, limit, typed},
    },
    state::AppState,
};

/// The query of `GET /audit`.
#[derive(Debug, Clone, Default, Deserialize, Serialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct AuditQuery {
    /// The subject's emp_no.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[param(value_type = Option<i32>, minimum = 1)]
    pub emp_no: Option<String>,
    /// Who acted (emp_no).
    #[serde(skip_serializing_if = "Option::is_none")]
    #[param(value_type = Option<i32>, minimum = 1)]
    pub actor: Option<String>,
    /// One of the actions, e.g. `employee.title`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub action: Option<String>,
    /// From this moment on (RFC 3339), or this day on (ISO date); from 1900-01-01 to 9999-12-31
    /// (UTC).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub from: Option<String>,
    /// Up to this moment (RFC 3339), or to the end of this day (ISO date), inclusive; from
    /// 1900-01-01 to 9999-12-31 (UTC).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub to: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    #[param(value_type = Option<u32>, minimum = 1, maximum = 100)]
    pub limit: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cursor: Option<String>,
}

fn emp_no(value: &Option<String>, name: &str) -> Result<Option<i32>, Error> {
    typed(value, name)?
        .map(|v| {
            v.parse()
                .ok()
                .filter(|n| *n > 0)
                .ok_or_else(|| bad(&format!("{name}: an emp_no is expected")))
        })
        .transpose()
}

/// A moment: RFC 3339, or an ISO date (its first moment; with `end`, the first of the next day),
/// on a day from 1900-01-01 to 9999-12-31 in UTC (anything else cannot be bound; see
/// [`domain::FIRST_DATE`]). An end past 9999-12-31's last moment is no bound at all (`None`): no
/// entry is later, and its exclusive bound, in year 10000, is no date the backends compare.
fn moment(value: &Option<String>, name: &str, end: bool) -> Result<Option<NaiveDateTime>, Error> {
    let Some(value) = typed(value, name)? else {
        return Ok(None);
    };
    let exact = DateTime::parse_from_rfc3339(value)
        .ok()
        .map(|at| at.with_timezone(&Utc).naive_utc());
    let day = NaiveDate::parse_from_str(value, "%Y-%m-%d").ok();
    let at = exact
        .or_else(|| day.map(|day| day.and_time(NaiveTime::MIN)))
        .filter(|at| domain::date_in_range(at.date()))
        .ok_or_else(|| {
            bad(&format!(
                "{name}: an RFC 3339 time or an ISO date, from 1900-01-01 to 9999-12-31 (UTC), \
                 is expected"
            ))
        })?;
    if !end {
        return Ok(Some(at));
    }
    let until = match exact {
        Some(at) => at.checked_add_signed(TimeDelta::microseconds(1)),
        None => at.date().succ_opt().map(|day| day.and_time(NaiveTime::MIN)),
    };
    Ok(until.filter(|until| domain::date_in_range(until.date())))
}

impl AuditQuery {
    fn parse(&self) -> Result<(AuditFilter, Option<&str>), Error> {
        let action = typed(&self.action, "action")?;
        if action.is_some_and(|action| !ACTIONS.contains(&action)) {
            return Err(bad(&format!("action: one of {}", ACTIONS.join(", "))));
        }
        let from = moment(&self.from, "from", false)?;
        let until = moment(&self.to, "to", true)?;
        if let (Some(from), Some(until)) = (from, until)
            && from >= until
        {
            return Err(bad("from: must be before to"));
        }
        let filter = AuditFilter {
            emp_no: emp_no(&self.emp_no, "emp_no")?,
            actor: emp_no(&self.actor, "actor")?,
            action: action.map(str::to_owned),
            from,
            until,
            limit: limit(&self.limit)?.unwrap_or(DEFAULT_LIMIT),
        };
        let cursor = self
            .cursor
            .as_deref()
            .map(str::trim)
            .filter(|c| !c.is_empty());
        Ok((filter, cursor))
    }

    fn next_page(&self, cursor: &str) -> String {
        let next = AuditQuery {
            cursor: Some(cursor.to_owned()),
            ..self.clone()
        };
        match serde_urlencoded::to_string(&next) {
            Ok(query) => format!("/audit?{query}"),
            Err(_) => "/audit".to_owned(),
        }
    }
}

/// A page of the audit trail.
#[derive(Debug, Serialize, ToSchema)]
pub struct AuditPageBody {
    pub items: Vec<AuditEntry>,
    /// The `cursor` of the next page; `null` on the last one.
    pub next_cursor: Option<String>,
}

/// The audit trail, newest first: logins, HR changes, role changes, session revocations.
#[utoipa::path(get, path = "/audit", tag = "audit", params(AuditQuery),
    responses(
        (status = 200, description = "A page of entries; `Link: <…>; rel=\"next\"` when there is a next page", body = AuditPageBody,
         headers(("Link" = String))),
        (status = 400, description = "A bad parameter or cursor (the detail names it)", body = Detail),
        (status = 401, description = "No valid token", body = Detail),
        (status = 403, description = "The token lacks `admin`", body = Detail),
    ),
    security(("oauth2" = ["admin"]), ("cookie" = []))
)]
pub async fn list(
    State(state): State<AppState>,
    _caller: Authorized<AdminRead>,
    Params(query): Params<AuditQuery>,
) -> Result<Response, Error> {
    let (filter, cursor) = query.parse()?;
    let page = state.audit.page(&filter, cursor).await?;
    let link = page
        .next_cursor
        .as_deref()
        .map(|cursor| format!("<{}>; rel=\"next\"", query.next_page(cursor)));
    let mut response = Json(AuditPageBody {
        items: page.items,
        next_cursor: page.next_cursor,
    })
    .into_response();
    if let Some(value) = link.and_then(|link| HeaderValue::from_str(&link).ok()) {
        response.headers_mut().insert(header::LINK, value);
    }
    Ok(response)
}
