//! The HR changes of one employee: `POST /employees/{emp_no}/title`, `/department`, `/salary`,
//! `/termination` (scope `hr`). These parse the body and answer with the changed full record; the
//! service decides.

use axum::{
    Json,
    extract::{Path, State, rejection::JsonRejection, rejection::PathRejection},
    http::{HeaderMap, HeaderName, HeaderValue, StatusCode, header},
    response::{IntoResponse, Response},
};
use axum_extra::headers::{ETag, HeaderMapExt, IfMatch};
use chrono::NaiveDate;
use serde::Deserialize;
use serde_json::Value;
use utoipa::{IntoParams, ToSchema};

use crate::{
    domain::{directory::EmployeeView, hr::Change},
    error::{Detail, Error, FieldError, InvalidBodyDetail},
    http::{
        auth::{Authorized, HrWrite},
        body::Fields,
        client::ClientAddress,
        employees::{EmployeeBody, emp_no},
    },
    service::hr::{Actor, ChangeRequest, Changed, HrError, Retry},
    state::AppState,
};

/// The answer to a refused change; `date_field` names the body's date for `422`.
pub(super) fn refusal(error: HrError, date_field: &str) -> Error {
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
        HrError::UnknownEmployee => field("emp_no", "no such employee"),
        HrError::NotMember => {
            Error::Conflict("The new manager must be a current member of the department".to_owned())
        }
        HrError::EmailTaken => Error::Conflict("Another employee has that email".to_owned()),
        HrError::Former => Error::Conflict("The employee is a former employee".to_owned()),
        HrError::NotAfterCurrent(noun) => Error::Conflict(format!(
            "The date must be after the start of the current {noun}"
        )),
        HrError::Unchanged(noun) => Error::Conflict(format!("That is the current {noun} already")),
        HrError::KeyTaken => Error::Conflict(
            "test_db keeps one dept_emp and one dept_manager row per employee and department: \
             the employee was there before"
                .to_owned(),
        ),
        HrError::PreconditionFailed => Error::PreconditionFailed,
        HrError::KeyReused => field("Idempotency-Key", "was used before with another body"),
        HrError::Internal(error) => error,
    }
}

/// The `Idempotency-Key` of a request: 1 to 255 visible ASCII characters, sent once.
pub(super) fn idempotency_key(headers: &HeaderMap) -> Result<Option<&str>, Error> {
    let mut values = headers.get_all("idempotency-key").iter();
    let Some(value) = values.next() else {
        return Ok(None);
    };
    let refused = || {
        Error::BadRequest(
            "Idempotency-Key: one value of 1 to 255 visible ASCII characters".to_owned(),
        )
    };
    let key = value.to_str().map_err(|_| refused())?;
    let visible = key.bytes().all(|b| b.is_ascii_graphic());
    if values.next().is_some() || key.is_empty() || key.len() > 255 || !visible {
        return Err(refused());
    }
    Ok(Some(key))
}

/// Runs a parsed change and answers with the employee's full record as it is now and its `ETag`,
/// or, for a retry with the same `Idempotency-Key` and body, the first answer again.
async fn apply(
    state: &AppState,
    caller: &Authorized<HrWrite>,
    (address, headers): (ClientAddress, &HeaderMap),
    (emp_no, change, date): (i32, Change, NaiveDate),
    (what, date_field, fields): (&str, &str, &Fields),
) -> Result<Response, Error> {
    // A value that is no entity tag matches nothing (412).
    let if_match = headers.typed_try_get::<IfMatch>().ok().flatten();
    let passes = if_match.map(|if_match| {
        move |tag: &str| {
            tag.parse::<ETag>()
                .is_ok_and(|tag| if_match.precondition_passes(&tag))
        }
    });
    let endpoint = format!("POST /employees/{emp_no}/{what}");
    let request_hash = fields.hash();
    let key = idempotency_key(headers)?;
    let request = ChangeRequest {
        actor: Actor {
            emp_no: caller.viewer().emp_no,
            ip: address.0,
            user_agent: headers
                .get(header::USER_AGENT)
                .and_then(|v| v.to_str().ok()),
        },
        emp_no,
        change,
        date,
        if_match: passes
            .as_ref()
            .map(|passes| passes as &(dyn Fn(&str) -> bool + Send + Sync)),
        retry: key.map(|key| Retry {
            endpoint: &endpoint,
            key,
            request_hash: &request_hash,
        }),
    };
    let changed = state
        .hr
        .change(&request)
        .await
        .map_err(|error| refusal(error, date_field))?;
    Ok(respond(changed))
}

/// The answer to a change: the full record with its `ETag` (and `201` with `Location` for a hire),
/// or a kept answer again, marked `Idempotent-Replayed: true`.
pub(super) fn respond(changed: Changed) -> Response {
    let (status, location, mut response) = match changed {
        Changed::Now {
            record,
            etag,
            created,
        } => {
            let location = created.then(|| format!("/employees/{}", record.card.emp_no));
            let body = Json(EmployeeBody::from(EmployeeView::Record(*record)));
            let mut response = body.into_response();
            if let Ok(etag) = HeaderValue::from_str(&etag) {
                response.headers_mut().insert(header::ETAG, etag);
            }
            (created, location, response)
        }
        Changed::Replayed { body, location } => {
            let replayed = HeaderName::from_static("idempotent-replayed");
            let headers = [
                (header::CONTENT_TYPE, "application/json"),
                (replayed, "true"),
            ];
            (
                location.is_some(),
                location,
                (headers, body).into_response(),
            )
        }
    };
    if status {
        *response.status_mut() = StatusCode::CREATED;
    }
    if let Some(location) = location.and_then(|l| HeaderValue::from_str(&l).ok()) {
        response.headers_mut().insert(header::LOCATION, location);
    }
    response
}

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
    #[schema(example = 72000, minimum = 1)]
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
