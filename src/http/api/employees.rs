//! `GET /employees`, `/employees/{emp_no}`, `/history`, `/salaries`: the directory for API
//! clients. The scope guards and the service decide; these parse and answer.

use axum::{
    Json,
    extract::{Path, State, rejection::PathRejection},
    http::{HeaderValue, header},
    response::{IntoResponse, Response},
};

use chrono::NaiveDate;
use serde::Serialize;
use utoipa::ToSchema;

use crate::{
    domain::directory::{Card, EmployeeView, History, SalarySpell},
    error::{Detail, Error},
    http::{
        extract::auth::{Authorized, DirectoryRead, EmployeeRead, Scoped},
        extract::search_query::{CardPageBody, Params, SearchQuery, page_response},
    },
    state::AppState,
};

/// An employee as `GET /employees/{emp_no}` answers: the card, plus `birth_date` and `gender`
/// when the caller may see the full record. (One schema, not oneOf: a record is also a card.)
#[derive(Debug, Serialize, ToSchema)]
pub struct EmployeeBody {
    #[serde(flatten)]
    pub card: Card,
    /// Full record only.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub birth_date: Option<NaiveDate>,
    /// Full record only: `M` or `F`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub gender: Option<String>,
}

impl From<EmployeeView> for EmployeeBody {
    fn from(view: EmployeeView) -> Self {
        match view {
            EmployeeView::Record(record) => EmployeeBody {
                card: record.card,
                birth_date: Some(record.birth_date),
                gender: Some(record.gender),
            },
            EmployeeView::Card(card) => EmployeeBody {
                card,
                birth_date: None,
                gender: None,
            },
        }
    }
}

/// An emp_no from the path; anything else is `404`, like an emp_no that does not exist.
pub fn emp_no(path: Result<Path<i32>, PathRejection>) -> Result<i32, Error> {
    path.map(|Path(emp_no)| emp_no).map_err(|_| Error::NotFound)
}

/// Search and list employee cards, sorted by last name, first name, emp_no; keyset paged.
#[utoipa::path(get, path = "/employees", tag = "directory", params(SearchQuery),
    responses(
        (status = 200, description = "A page of cards; `Link: <…>; rel=\"next\"` when there is a next page", body = CardPageBody,
         headers(("Link" = String))),
        (status = 400, description = "A bad parameter or cursor (the detail names it)", body = Detail),
        (status = 401, description = "No valid token", body = Detail),
        (status = 403, description = "The token lacks `directory`, `manager` or `hr` (or `hr` for status former/all)", body = Detail),
    ),
    security(("oauth2" = ["directory"]), ("cookie" = []))
)]
pub async fn list(
    State(state): State<AppState>,
    caller: Scoped<DirectoryRead>,
    Params(query): Params<SearchQuery>,
) -> Result<Response, Error> {
    let (search, cursor) = query.parse()?;
    // The search checks the token's session in its own statement.
    let check = caller.statement_check(&state).await?;
    let page = state
        .directory
        .search(caller.viewer, check.as_ref(), &search, cursor)
        .await?;
    Ok(page_response(&query, "/employees", page))
}

/// One employee: the full record when the caller may see it (HR; oneself with `me`; a manager
/// for the current staff of a department they manage now), else the card.
#[utoipa::path(get, path = "/employees/{emp_no}", tag = "directory",
    params(("emp_no" = i32, Path, description = "Employee number", example = 10198)),
    responses(
        (status = 200, description = "The card or the full record. `ETag`: with the full record, over the employee's current rows (department, title, salary, manager appointment), for `If-Match` on the HR changes; with a card, over the card alone",
         body = EmployeeBody, headers(("ETag" = String))),
        (status = 401, description = "No valid token", body = Detail),
        (status = 403, description = "The token has no directory scope", body = Detail),
        (status = 404, description = "No such employee, or one the caller may not see", body = Detail),
    ),
    security(("oauth2" = ["directory"]), ("oauth2" = ["me"]), ("cookie" = []))
)]
pub async fn show(
    State(state): State<AppState>,
    caller: Authorized<EmployeeRead>,
    path: Result<Path<i32>, PathRejection>,
) -> Result<Response, Error> {
    let emp_no = emp_no(path)?;
    let view = state.directory.employee(caller.viewer(), emp_no).await?;
    let etag = state.hr.etag_of(&view).await?;
    let mut response = Json(EmployeeBody::from(view)).into_response();
    if let Ok(etag) = HeaderValue::from_str(&etag) {
        response.headers_mut().insert(header::ETAG, etag);
    }
    Ok(response)
}

/// Departments and titles, newest first; for those who may see the full record.
#[utoipa::path(get, path = "/employees/{emp_no}/history", tag = "directory",
    params(("emp_no" = i32, Path, description = "Employee number", example = 10198)),
    responses(
        (status = 200, body = History),
        (status = 401, description = "No valid token", body = Detail),
        (status = 403, description = "The caller sees only the card", body = Detail),
        (status = 404, description = "No such employee, or one the caller may not see", body = Detail),
    ),
    security(("oauth2" = ["hr"]), ("oauth2" = ["manager"]), ("oauth2" = ["me"]), ("cookie" = []))
)]
pub async fn history(
    State(state): State<AppState>,
    caller: Authorized<EmployeeRead>,
    path: Result<Path<i32>, PathRejection>,
) -> Result<Json<History>, Error> {
    let emp_no = emp_no(path)?;
    Ok(Json(
        state.directory.history(caller.viewer(), emp_no).await?,
    ))
}

/// Salaries, newest first; for those who may see the full record.
#[utoipa::path(get, path = "/employees/{emp_no}/salaries", tag = "directory",
    params(("emp_no" = i32, Path, description = "Employee number", example = 10198)),
    responses(
        (status = 200, body = [SalarySpell]),
        (status = 401, description = "No valid token", body = Detail),
        (status = 403, description = "The caller sees only the card", body = Detail),
        (status = 404, description = "No such employee, or one the caller may not see", body = Detail),
    ),
    security(("oauth2" = ["hr"]), ("oauth2" = ["manager"]), ("oauth2" = ["me"]), ("cookie" = []))
)]
pub async fn salaries(
    State(state): State<AppState>,
    caller: Authorized<EmployeeRead>,
    path: Result<Path<i32>, PathRejection>,
) -> Result<Json<Vec<SalarySpell>>, Error> {
    let emp_no = emp_no(path)?;
    Ok(Json(
        state.directory.salaries(caller.viewer(), emp_no).await?,
    ))
}
