//! The changes of one employee: `POST /employees/{emp_no}/title`, `/department`, `/salary`,
//! `/termination` (scope `hr`). These parse the body; `hr::apply` runs and answers.

use axum::{
    Json,
    extract::{Path, State, rejection::JsonRejection, rejection::PathRejection},
    http::HeaderMap,
    response::Response,
};
use chrono::NaiveDate;
use serde::Deserialize;
use serde_json::Value;
use utoipa::{IntoParams, ToSchema};

use crate::{
    domain::hr::Change,
    error::{Detail, Error, InvalidBodyDetail},
    http::{
        api::employees::{EmployeeBody, emp_no},
        api::hr::apply,
        extract::auth::{Authorized, HrWrite},
        extract::body::Fields,
        extract::client::ClientAddress,
    },
    state::AppState,
};

/// The headers that make a change safe to retry and to race.
#[derive(IntoParams)]
#[into_params(parameter_in = Header)]
#[allow(dead_code)] // read from the HeaderMap; this only describes them
pub struct RetryHeaders {
    /// Any 1 to 255 visible ASCII characters. A retry with the same key and body within 24 hours
    /// gets the first successful answer again and changes nothing; another body is `422`.
    #[param(rename = "Idempotency-Key", example = "3f2c9a4e-hire-2024-01")]
    idempotency_key: Option<String>,
    /// The `ETag` of `GET /employees/{emp_no}`: the change applies only if the employee's current
    /// rows are still those (else `412`).
    #[param(rename = "If-Match")]
    if_match: Option<String>,
}

/// `{"title", "from_date"}`.
#[derive(Deserialize, ToSchema)]
pub struct TitleChange {
    /// 1 to 50 characters, no control characters.
    #[schema(example = "Technique Leader", max_length = 50)]
    pub title: String,
    /// From 1900-01-01 to today.
    #[schema(example = "2024-01-01")]
    pub from_date: NaiveDate,
}

/// `{"dept_no", "from_date"}`.
#[derive(Deserialize, ToSchema)]
pub struct DepartmentChange {
    #[schema(example = "d004")]
    pub dept_no: String,
    /// From 1900-01-01 to today.
    #[schema(example = "2024-01-01")]
    pub from_date: NaiveDate,
}

/// `{"salary", "from_date"}`.
#[derive(Deserialize, ToSchema)]
pub struct SalaryChange {
    #[schema(example = 72000, minimum = 1)]
    pub salary: i32,
    /// From 1900-01-01 to today.
    #[schema(example = "2024-01-01")]
    pub from_date: NaiveDate,
}

/// `{"date"}`.
#[derive(Deserialize, ToSchema)]
pub struct Termination {
    /// From 1900-01-01 to today.
    #[schema(example = "2024-01-01")]
    pub date: NaiveDate,
}

/// A promotion: the current title ends on `from_date` and the new one starts.
#[utoipa::path(post, path = "/employees/{emp_no}/title", tag = "hr",
    params(("emp_no" = i32, Path, description = "Employee number", example = 10198), RetryHeaders),
    request_body = TitleChange,
    responses(
        (status = 200, description = "The changed full record and its `ETag` (or, for a retry with the same `Idempotency-Key` and body, the first answer again, with `Idempotent-Replayed: true`)",
         body = EmployeeBody, headers(("ETag" = String))),
        (status = 400, description = "A malformed `Idempotency-Key`", body = Detail),
        (status = 401, description = "No valid token", body = Detail),
        (status = 403, description = "The token lacks `hr`", body = Detail),
        (status = 404, description = "No such employee", body = Detail),
        (status = 409, description = "A former employee, a date not after the current title's start, or the same title", body = Detail),
        (status = 412, description = "`If-Match` names no current tag of the employee: nothing changed", body = Detail),
        (status = 422, description = "The same `Idempotency-Key` with another body; or a missing or malformed field, or a date after today", body = InvalidBodyDetail),
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
) -> Result<Response, Error> {
    let emp_no = emp_no(path)?;
    let mut fields = Fields::of(body)?;
    let (Some(title), Some(date)) = (fields.text("title", 50), fields.date("from_date")) else {
        return Err(fields.refused());
    };
    let change = (emp_no, Change::Title(title), date);
    apply(
        &state,
        &caller,
        (address, &headers),
        change,
        ("title", "from_date", &fields),
    )
    .await
}

/// A transfer: the current department ends on `from_date` and the new one starts.
#[utoipa::path(post, path = "/employees/{emp_no}/department", tag = "hr",
    params(("emp_no" = i32, Path, description = "Employee number", example = 10198), RetryHeaders),
    request_body = DepartmentChange,
    responses(
        (status = 200, description = "The changed full record and its `ETag` (or, for a retry with the same `Idempotency-Key` and body, the first answer again, with `Idempotent-Replayed: true`)",
         body = EmployeeBody, headers(("ETag" = String))),
        (status = 400, description = "A malformed `Idempotency-Key`", body = Detail),
        (status = 401, description = "No valid token", body = Detail),
        (status = 403, description = "The token lacks `hr`", body = Detail),
        (status = 404, description = "No such employee", body = Detail),
        (status = 409, description = "A former employee, a date not after the current department's start, the same department, or one the employee was in before (test_db's key)", body = Detail),
        (status = 412, description = "`If-Match` names no current tag of the employee: nothing changed", body = Detail),
        (status = 422, description = "The same `Idempotency-Key` with another body; or a missing or malformed field, an unknown department, or a date after today", body = InvalidBodyDetail),
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
) -> Result<Response, Error> {
    let emp_no = emp_no(path)?;
    let mut fields = Fields::of(body)?;
    let (Some(dept_no), Some(date)) = (fields.dept_no("dept_no"), fields.date("from_date")) else {
        return Err(fields.refused());
    };
    let change = (emp_no, Change::Department(dept_no), date);
    apply(
        &state,
        &caller,
        (address, &headers),
        change,
        ("department", "from_date", &fields),
    )
    .await
}

/// A pay change: the current salary ends on `from_date` and the new one starts.
#[utoipa::path(post, path = "/employees/{emp_no}/salary", tag = "hr",
    params(("emp_no" = i32, Path, description = "Employee number", example = 10198), RetryHeaders),
    request_body = SalaryChange,
    responses(
        (status = 200, description = "The changed full record and its `ETag` (or, for a retry with the same `Idempotency-Key` and body, the first answer again, with `Idempotent-Replayed: true`)",
         body = EmployeeBody, headers(("ETag" = String))),
        (status = 400, description = "A malformed `Idempotency-Key`", body = Detail),
        (status = 401, description = "No valid token", body = Detail),
        (status = 403, description = "The token lacks `hr`", body = Detail),
        (status = 404, description = "No such employee", body = Detail),
        (status = 409, description = "A former employee, a date not after the current salary's start, or the same salary", body = Detail),
        (status = 412, description = "`If-Match` names no current tag of the employee: nothing changed", body = Detail),
        (status = 422, description = "The same `Idempotency-Key` with another body; or a missing or malformed field, or a date after today", body = InvalidBodyDetail),
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
) -> Result<Response, Error> {
    let emp_no = emp_no(path)?;
    let mut fields = Fields::of(body)?;
    let (Some(salary), Some(date)) = (fields.positive("salary"), fields.date("from_date")) else {
        return Err(fields.refused());
    };
    let change = (emp_no, Change::Salary(salary), date);
    apply(
        &state,
        &caller,
        (address, &headers),
        change,
        ("salary", "from_date", &fields),
    )
    .await
}

/// A termination: every current row ends on `date`; the employee's login and every token already
/// issued to them stop working at once.
#[utoipa::path(post, path = "/employees/{emp_no}/termination", tag = "hr",
    params(("emp_no" = i32, Path, description = "Employee number", example = 10198), RetryHeaders),
    request_body = Termination,
    responses(
        (status = 200, description = "The changed full record and its `ETag` (or, for a retry with the same `Idempotency-Key` and body, the first answer again, with `Idempotent-Replayed: true`)",
         body = EmployeeBody, headers(("ETag" = String))),
        (status = 400, description = "A malformed `Idempotency-Key`", body = Detail),
        (status = 401, description = "No valid token", body = Detail),
        (status = 403, description = "The token lacks `hr`", body = Detail),
        (status = 404, description = "No such employee", body = Detail),
        (status = 409, description = "A former employee already, or a date not after the start of a current row", body = Detail),
        (status = 412, description = "`If-Match` names no current tag of the employee: nothing changed", body = Detail),
        (status = 422, description = "The same `Idempotency-Key` with another body; or a missing or malformed field, or a date after today", body = InvalidBodyDetail),
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
) -> Result<Response, Error> {
    let emp_no = emp_no(path)?;
    let mut fields = Fields::of(body)?;
    let Some(date) = fields.date("date") else {
        return Err(fields.refused());
    };
    let change = (emp_no, Change::Termination, date);
    apply(
        &state,
        &caller,
        (address, &headers),
        change,
        ("termination", "date", &fields),
    )
    .await
}
