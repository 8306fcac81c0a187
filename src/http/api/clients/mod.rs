//! `/admin/clients` (scope `admin`): register, list, read and delete the OAuth clients that log
//! employees in through this service. A secret is answered once, at registration.

mod body;

pub use body::{ClientBody, ClientRequest, RegisteredBody};

use axum::{
    Json,
    extract::{Path, State, rejection::JsonRejection, rejection::PathRejection},
    http::StatusCode,
    response::{IntoResponse, Response},
};
use secrecy::ExposeSecret;
use serde_json::Value;

use crate::{
    domain::session::Origin,
    error::{Detail, Error, InvalidBodyDetail},
    http::extract::{
        auth::{AdminRead, Authorized},
        body::Fields,
    },
    state::AppState,
};

/// Registers a client. A confidential one gets a secret, answered this once.
#[utoipa::path(post, path = "/admin/clients", tag = "clients",
    request_body = ClientRequest,
    responses(
        (status = 201, description = "Registered; keep the secret now", body = RegisteredBody),
        (status = 401, description = "No valid token", body = Detail),
        (status = 403, description = "The token lacks `admin`", body = Detail),
        (status = 422, description = "A field that cannot be registered (each named)", body = InvalidBodyDetail),
    ),
    security(("oauth2" = ["admin"]), ("cookie" = []))
)]
pub async fn register(
    State(state): State<AppState>,
    caller: Authorized<AdminRead>,
    origin: Origin,
    request: Result<Json<Value>, JsonRejection>,
) -> Result<Response, Error> {
    let new = body::read(Fields::of(request)?)?;
    let registered = state
        .clients
        .register(new, Some(caller.viewer().emp_no), &origin)
        .await?;
    let body = RegisteredBody {
        client_id: registered.client_id,
        client_secret: registered
            .client_secret
            .map(|secret| secret.expose_secret().to_owned()),
    };
    Ok((StatusCode::CREATED, Json(body)).into_response())
}

/// Every registered client, by id.
#[utoipa::path(get, path = "/admin/clients", tag = "clients",
    responses(
        (status = 200, body = [ClientBody]),
        (status = 401, description = "No valid token", body = Detail),
        (status = 403, description = "The token lacks `admin`", body = Detail),
    ),
    security(("oauth2" = ["admin"]), ("cookie" = []))
)]
pub async fn list(
    State(state): State<AppState>,
    _caller: Authorized<AdminRead>,
) -> Result<Json<Vec<ClientBody>>, Error> {
    let clients = state.clients.list().await?;
    Ok(Json(clients.into_iter().map(ClientBody::from).collect()))
}

/// One registered client.
#[utoipa::path(get, path = "/admin/clients/{client_id}", tag = "clients",
    params(("client_id" = String, Path, example = "swagger-ui")),
    responses(
        (status = 200, body = ClientBody),
        (status = 401, description = "No valid token", body = Detail),
        (status = 403, description = "The token lacks `admin`", body = Detail),
        (status = 404, description = "No such client", body = Detail),
    ),
    security(("oauth2" = ["admin"]), ("cookie" = []))
)]
pub async fn show(
    State(state): State<AppState>,
    _caller: Authorized<AdminRead>,
    path: Result<Path<String>, PathRejection>,
) -> Result<Json<ClientBody>, Error> {
    let Path(client_id) = path.map_err(|_| Error::NotFound)?;
    match state.clients.get(&client_id).await? {
        Some(client) => Ok(Json(client.into())),
        None => Err(Error::NotFound),
    }
}

/// Deletes a client: every session started for it ends (its tokens are refused at once), and
/// the consents given to it go.
#[utoipa::path(delete, path = "/admin/clients/{client_id}", tag = "clients",
    params(("client_id" = String, Path, example = "0b5d3f6c2a8e4f1b9c7d5e3a1f2b4c6d")),
    responses(
        (status = 204, description = "Deleted"),
        (status = 401, description = "No valid token", body = Detail),
        (status = 403, description = "The token lacks `admin`", body = Detail),
        (status = 404, description = "No such client", body = Detail),
    ),
    security(("oauth2" = ["admin"]), ("cookie" = []))
)]
pub async fn remove(
    State(state): State<AppState>,
    caller: Authorized<AdminRead>,
    origin: Origin,
    path: Result<Path<String>, PathRejection>,
) -> Result<StatusCode, Error> {
    let Path(client_id) = path.map_err(|_| Error::NotFound)?;
    state
        .clients
        .remove(&client_id, Some(caller.viewer().emp_no), &origin)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}
