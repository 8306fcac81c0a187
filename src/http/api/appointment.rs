//! `PUT /departments/{dept_no}/manager` (scope `hr`): a manager appointment. This parses and
//! answers with the department as `GET /departments/{dept_no}` shows it; the service decides.

use axum::{
    Json,
    extract::{Path, State, rejection::JsonRejection, rejection::PathRejection},
    http::{HeaderMap, HeaderName, header},
    response::{IntoResponse, Response},
};
use chrono::NaiveDate;
use serde::Deserialize;
use serde_json::Value;
use utoipa::ToSchema;

use crate::{
    domain::directory::DepartmentDetail,
    error::{Detail, Error, InvalidBodyDetail},
    http::{
        api::departments,
        api::hr::{actor, idempotency_key, refusal},
        extract::auth::{Authorized, HrWrite},
        extract::body::Fields,
        extract::client::ClientAddress,
    },
    service::hr::{AppointRequest, Appointed, Retry},
    state::AppState,
};

/// `{"emp_no", "from_date"}`.
#[derive(Deserialize, ToSchema)]
pub struct Appointment {
    #[schema(example = 10198, minimum = 1)]
    pub emp_no: i32,
    /// From 1900-01-01 to today.
    #[schema(example = "2024-01-01")]
    pub from_date: NaiveDate,
}

/// Appoints a department's manager from `from_date` on; the current manager's row ends that day.
#[utoipa::path(put, path = "/departments/{dept_no}/manager", tag = "hr",
    params(
        ("dept_no" = String, Path, description = "Department number (any case: `D005` is `d005`)", example = "d005"),
        ("Idempotency-Key" = Option<String>, Header, description = "Any 1 to 255 visible ASCII characters: a retry with the same key and body within 24 hours gets the first answer again"),
    ),
    request_body = Appointment,
    responses(
        (status = 200, description = "The department, with its manager history", body = DepartmentDetail),
        (status = 400, description = "A malformed `Idempotency-Key`", body = Detail),
        (status = 401, description = "No valid token", body = Detail),
        (status = 403, description = "The token lacks `hr`", body = Detail),
        (status = 404, description = "No such department", body = Detail),
        (status = 409, description = "Not a current member of the department, the manager already, a date not after the current manager's start, or a former manager of it (test_db's key)", body = Detail),
        (status = 422, description = "A missing or malformed field, an emp_no of nobody, a date after today, or the same `Idempotency-Key` with another body", body = InvalidBodyDetail),
    ),
    security(("oauth2" = ["hr"]), ("cookie" = []))
)]
pub async fn appoint(
    State(state): State<AppState>,
    caller: Authorized<HrWrite>,
    ClientAddress(address): ClientAddress,
    headers: HeaderMap,
    path: Result<Path<String>, PathRejection>,
    body: Result<Json<Value>, JsonRejection>,
) -> Result<Response, Error> {
    // Canonical, so that the row stored, the key's endpoint and the answer all say `d005`.
    let dept_no = departments::dept_no(path)?;
    let mut fields = Fields::of(body)?;
    let (Some(emp_no), Some(from_date)) = (fields.positive("emp_no"), fields.date("from_date"))
    else {
        return Err(fields.refused());
    };
    let request_hash = fields.hash();
    let endpoint = format!("PUT /departments/{dept_no}/manager");
    let request = AppointRequest {
        actor: actor(caller.viewer().emp_no, address, &headers),
        dept_no: &dept_no,
        emp_no,
        from_date,
        retry: idempotency_key(&headers)?.map(|key| Retry {
            endpoint: &endpoint,
            key,
            request_hash: &request_hash,
        }),
    };
    let appointed = state
        .hr
        .appoint(&request)
        .await
        .map_err(|error| refusal(error, "from_date"))?;
    Ok(match appointed {
        Appointed::Now(detail) => Json(*detail).into_response(),
        Appointed::Replayed { body } => {
            let replayed = HeaderName::from_static("idempotent-replayed");
            let headers = [
                (header::CONTENT_TYPE, "application/json"),
                (replayed, "true"),
            ];
            (headers, body).into_response()
        }
    })
}
