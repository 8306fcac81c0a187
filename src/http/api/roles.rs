//! `GET`/`PUT /employees/{emp_no}/roles` (scope `admin`): the granted roles, `hr` and `admin`.
//! `employee` and `manager` follow from the data and cannot be granted.

use axum::{
    Json,
    extract::{Path, State, rejection::JsonRejection, rejection::PathRejection},
    http::HeaderMap,
};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use utoipa::ToSchema;

use crate::{
    domain::scope::Role,
    error::{Detail, Error, InvalidBodyDetail},
    http::{
        api::employees::emp_no,
        api::hr::{actor, refusal},
        extract::auth::{AdminRead, Authorized},
        extract::body::Fields,
        extract::client::ClientAddress,
    },
    state::AppState,
};

/// `{"roles": [...]}`: the granted roles.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct RolesBody {
    #[schema(example = json!(["hr"]))]
    pub roles: Vec<String>,
}

fn body(roles: &[Role]) -> Json<RolesBody> {
    Json(RolesBody {
        roles: roles.iter().map(|role| role.as_str().to_owned()).collect(),
    })
}

/// The roles granted to an employee.
#[utoipa::path(get, path = "/employees/{emp_no}/roles", tag = "audit",
    params(("emp_no" = i32, Path, description = "Employee number", example = 500025)),
    responses(
        (status = 200, body = RolesBody),
        (status = 401, description = "No valid token", body = Detail),
        (status = 403, description = "The token lacks `admin`", body = Detail),
        (status = 404, description = "No such employee", body = Detail),
    ),
    security(("oauth2" = ["admin"]), ("cookie" = []))
)]
pub async fn show(
    State(state): State<AppState>,
    _caller: Authorized<AdminRead>,
    path: Result<Path<i32>, PathRejection>,
) -> Result<Json<RolesBody>, Error> {
    let emp_no = emp_no(path)?;
    let roles = state
        .hr
        .granted_roles(emp_no)
        .await
        .map_err(|error| refusal(error, "roles"))?;
    Ok(body(&roles))
}

/// Replaces the roles granted to an employee. A role taken away ends the employee's sessions:
/// every token issued to them until now is refused.
#[utoipa::path(put, path = "/employees/{emp_no}/roles", tag = "audit",
    params(("emp_no" = i32, Path, description = "Employee number", example = 500025)),
    request_body = RolesBody,
    responses(
        (status = 200, description = "The roles granted now", body = RolesBody),
        (status = 401, description = "No valid token", body = Detail),
        (status = 403, description = "The token lacks `admin`", body = Detail),
        (status = 404, description = "No such employee", body = Detail),
        (status = 422, description = "Not a list of `hr` and `admin` (`employee` and `manager` follow from the data)", body = InvalidBodyDetail),
    ),
    security(("oauth2" = ["admin"]), ("cookie" = []))
)]
pub async fn replace(
    State(state): State<AppState>,
    caller: Authorized<AdminRead>,
    ClientAddress(address): ClientAddress,
    headers: HeaderMap,
    path: Result<Path<i32>, PathRejection>,
    request: Result<Json<Value>, JsonRejection>,
) -> Result<Json<RolesBody>, Error> {
    let emp_no = emp_no(path)?;
    let mut fields = Fields::of(request)?;
    let Some(names) = fields.strings("roles") else {
        return Err(fields.refused());
    };
    let Some(wanted) = names
        .iter()
        .map(|name| Role::granted(name))
        .collect::<Option<Vec<Role>>>()
    else {
        fields.refuse_field(
            "roles",
            "only hr and admin are granted (employee and manager follow from the data)",
        );
        return Err(fields.refused());
    };
    let actor = actor(caller.viewer().emp_no, address, &headers);
    let roles = state
        .hr
        .set_roles(&actor, emp_no, &wanted)
        .await
        .map_err(|error| refusal(error, "roles"))?;
    Ok(body(&roles))
}
