//! The HR changes of one employee: `POST /employees/{emp_no}/title`, `/department`, `/salary`,
//! `/termination` (scope `hr`). These parse the body and answer with the changed full record; the
//! service decides.

use axum::{
    Json,
    extract::{Path, State, rejection::JsonRejection, rejection::PathRejection},
    http::{HeaderMap, header},
};
use chrono::NaiveDate;
use serde::Deserialize;
use serde_json::Value;
use utoipa::ToSchema;

use crate::{
    domain::hr::Change,
    error::{Detail, Error, FieldError, InvalidBodyDetail},
    http::{
        auth::{Authorized, HrWrite},
        body::Fields,
        client::ClientAddress,
        employees::{EmployeeBody, emp_no},
    },
    service::hr::{Actor, HrError},
    state::AppState,
};

/// The answer to a refused change; `date_field` names the body's date for `422`.
fn refusal(error: HrError, date_field: &str) -> Error {
    let field = |field: &str, message: &str| {
        Error::InvalidBody(vec![FieldError {
            field: field.to_owned(),
            message: message.to_owned(),
        }])
    };
    match error {
        HrError::NotFound => Error::NotFound,
        HrError::FutureDate => field(date_field, "must not be after today"),
        HrError::UnknownDepartment => field("dept_no", "no such department"),
        HrError::Former => Error::Conflict("The employee is a former employee".to_owned()),
        HrError::NotAfterCurrent(noun) => Error::Conflict(format!(
            "The date must be after the start of the current {noun}"
        )),
        HrError::Unchanged(noun) => Error::Conflict(format!("That is the current {noun} already")),
        HrError::KeyTaken => Error::Conflict(
            "test_db keeps one dept_emp row per employee and department: the employee was in that \
             department before"
                .to_owned(),
        ),
        HrError::Internal(error) => error,
    }
}

/// Runs a parsed change and answers with the employee's full record as it is now.
async fn apply(
    state: &AppState,
    caller: &Authorized<HrWrite>,
    address: ClientAddress,
    headers: &HeaderMap,
    (emp_no, change, date): (i32, Change, NaiveDate),
    date_field: &str,
) -> Result<Json<EmployeeBody>, Error> {
    let actor = Actor {
        emp_no: caller.viewer().emp_no,
        ip: address.0,
        user_agent: headers
            .get(header::USER_AGENT)
            .and_then(|v| v.to_str().ok()),
    };
    state
        .hr
        .change(&actor, emp_no, &change, date)
        .await
        .map_err(|error| refusal(error, date_field))?;
    let view = state.directory.employee(caller.viewer(), emp_no).await?;
    Ok(Json(view.into()))
}

/// `{"title", "from_date"}`.
#[derive(Deserialize, ToSchema)]
pub struct TitleChange {
    #[schema(example = "Senior Engineer")]
    pub title: String,
    #[schema(example = "2024-01-01")]
    pub from_date: NaiveDate,
}

/// `{"dept_no", "from_date"}`.
#[derive(Deserialize, ToSchema)]
pub struct DepartmentChange {
    #[schema(example = "d004")]
    pub dept_no: String,
    #[schema(example = "2024-01-01")]
    pub from_date: NaiveDate,
}

/// `{"salary", "from_date"}`.
#[derive(Deserialize, ToSchema)]
pub struct SalaryChange {
    #[schema(example = 72000)]
    pub salary: i32,
    #[schema(example = "2024-01-01")]
    pub from_date: NaiveDate,
}

/// `{"date"}`.
#[derive(Deserialize, ToSchema)]
pub struct Termination {
    #[schema(example = "2024-01-01")]
    pub date: NaiveDate,
}

/// A promotion: the current title ends on `from_date` and the new one starts.
#[utoipa::path(post, path = "/employees/{emp_no}/title", tag = "hr",
    params(("emp_no" = i32, Path, description = "Employee number", example = 10198)),
    request_body = TitleChange,
    responses(
        (status = 200, description = "The changed full record", body = EmployeeBody),
        (status = 401, description = "No valid token", body = Detail),
        (status = 403, description = "The token lacks `hr`", body = Detail),
        (status = 404, description = "No such employee", body = Detail),
        (status = 409, description = "A former employee, a date not after the current title's start, or the same title", body = Detail),
        (status = 422, description = "A missing or malformed field, or a date after today", body = InvalidBodyDetail),
    ),
    security(("oauth2" = ["hr"]), ("cookie" = []))
)]
pub async fn title(
    State(state): State<AppState>,
    caller: Authorized<HrWrite>,
    address: ClientAddress,
    headers: HeaderMap,
    path: Result<Path<i32>, PathRejection>,
    body: Result<Json<Value>, JsonRejection>,
) -> Result<Json<EmployeeBody>, Error> {
    let emp_no = emp_no(path)?;
    let mut fields = Fields::of(body)?;
    let (Some(title), Some(date)) = (fields.text("title", 50), fields.date("from_date")) else {
        return Err(fields.refused());
    };
    let change = (emp_no, Change::Title(title), date);
    apply(&state, &caller, address, &headers, change, "from_date").await
}

/// A transfer: the current department ends on `from_date` and the new one starts.
#[utoipa::path(post, path = "/employees/{emp_no}/department", tag = "hr",
    params(("emp_no" = i32, Path, description = "Employee number", example = 10198)),
    request_body = DepartmentChange,
    responses(
        (status = 200, description = "The changed full record", body = EmployeeBody),
        (status = 401, description = "No valid token", body = Detail),
        (status = 403, description = "The token lacks `hr`", body = Detail),
        (status = 404, description = "No such employee", body = Detail),
        (status = 409, description = "A former employee, a date not after the current department's start, the same department, or one the employee was in before (test_db's key)", body = Detail),
        (status = 422, description = "A missing or malformed field, an unknown department, or a date after today", body = InvalidBodyDetail),
    ),
    security(("oauth2" = ["hr"]), ("cookie" = []))
)]
pub async fn department(
    State(state): State<AppState>,
    caller: Authorized<HrWrite>,
    address: ClientAddress,
    headers: HeaderMap,
    path: Result<Path<i32>, PathRejection>,
    body: Result<Json<Value>, JsonRejection>,
) -> Result<Json<EmployeeBody>, Error> {
    let emp_no = emp_no(path)?;
    let mut fields = Fields::of(body)?;
    let (Some(dept_no), Some(date)) = (fields.dept_no("dept_no"), fields.date("from_date")) else {
        return Err(fields.refused());
    };
    let change = (emp_no, Change::Department(dept_no), date);
    apply(&state, &caller, address, &headers, change, "from_date").await
}

/// A pay change: the current salary ends on `from_date` and the new one starts.
#[utoipa::path(post, path = "/employees/{emp_no}/salary", tag = "hr",
    params(("emp_no" = i32, Path, description = "Employee number", example = 10198)),
    request_body = SalaryChange,
    responses(
        (status = 200, description = "The changed full record", body = EmployeeBody),
        (status = 401, description = "No valid token", body = Detail),
        (status = 403, description = "The token lacks `hr`", body = Detail),
        (status = 404, description = "No such employee", body = Detail),
        (status = 409, description = "A former employee, a date not after the current salary's start, or the same salary", body = Detail),
        (status = 422, description = "A missing or malformed field, or a date after today", body = InvalidBodyDetail),
    ),
    security(("oauth2" = ["hr"]), ("cookie" = []))
)]
pub async fn salary(
    State(state): State<AppState>,
    caller: Authorized<HrWrite>,
    address: ClientAddress,
    headers: HeaderMap,
    path: Result<Path<i32>, PathRejection>,
    body: Result<Json<Value>, JsonRejection>,
) -> Result<Json<EmployeeBody>, Error> {
    let emp_no = emp_no(path)?;
    let mut fields = Fields::of(body)?;
    let (Some(salary), Some(date)) = (fields.positive("salary"), fields.date("from_date")) else {
        return Err(fields.refused());
    };
    let change = (emp_no, Change::Salary(salary), date);
    apply(&state, &caller, address, &headers, change, "from_date").await
}

/// A termination: every current row ends on `date`; the employee's login and every token already
/// issued to them stop working at once.
#[utoipa::path(post, path = "/employees/{emp_no}/termination", tag = "hr",
    params(("emp_no" = i32, Path, description = "Employee number", example = 10198)),
    request_body = Termination,
    responses(
        (status = 200, description = "The changed full record", body = EmployeeBody),
        (status = 401, description = "No valid token", body = Detail),
        (status = 403, description = "The token lacks `hr`", body = Detail),
        (status = 404, description = "No such employee", body = Detail),
        (status = 409, description = "A former employee already, or a date not after the start of a current row", body = Detail),
        (status = 422, description = "A missing or malformed field, or a date after today", body = InvalidBodyDetail),
    ),
    security(("oauth2" = ["hr"]), ("cookie" = []))
)]
pub async fn termination(
    State(state): State<AppState>,
    caller: Authorized<HrWrite>,
    address: ClientAddress,
    headers: HeaderMap,
    path: Result<Path<i32>, PathRejection>,
    body: Result<Json<Value>, JsonRejection>,
) -> Result<Json<EmployeeBody>, Error> {
    let emp_no = emp_no(path)?;
    let mut fields = Fields::of(body)?;
    let Some(date) = fields.date("date") else {
        return Err(fields.refused());
    };
    apply(
        &state,
        &caller,
        address,
        &headers,
        (emp_no, Change::Termination, date),
        "date",
    )
    .await
}
