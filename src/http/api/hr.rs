//! What the HR handlers share (`changes`, `hire`, `appointment`, `roles`, the pages): the answer
//! to a refusal, the `Idempotency-Key` header, running a parsed change with `If-Match`, and the
//! answer to a change.

use std::net::IpAddr;

use axum::{
    Json,
    http::{HeaderMap, HeaderName, HeaderValue, StatusCode, header},
    response::{IntoResponse, Response},
};
use axum_extra::headers::{ETag, HeaderMapExt, IfMatch};
use chrono::NaiveDate;

use crate::{
    domain::{directory::EmployeeView, hr::Change},
    error::Error,
    http::{
        api::employees::EmployeeBody,
        extract::auth::{Authorized, HrWrite},
        extract::body::Fields,
        extract::client::ClientAddress,
    },
    service::hr::{Actor, ChangeRequest, Changed, Retry},
    state::AppState,
};

/// Who acts, as the audit trail records it: the caller, their address and their user agent.
pub(crate) fn actor(emp_no: i32, ip: Option<IpAddr>, headers: &HeaderMap) -> Actor<'_> {
    Actor {
        emp_no,
        ip,
        user_agent: headers
            .get(header::USER_AGENT)
            .and_then(|v| v.to_str().ok()),
    }
}

pub(crate) use crate::http::error::refusal;

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
pub(super) async fn apply(
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
        actor: actor(caller.viewer().emp_no, address.0, headers),
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
