//! `GET /departments`, `/departments/{dept_no}`, `/departments/{dept_no}/employees`.

use axum::{
    Json,
    extract::{Path, State, rejection::PathRejection},
    response::Response,
};

use crate::{
    domain::directory::{DepartmentDetail, DepartmentSummary, Status, canonical_dept_no},
    error::{Detail, Error},
    http::{
        extract::auth::{Authorized, DirectoryRead, Scoped},
        extract::search_query::{CardPageBody, Params, SearchQuery, page_response},
    },
    state::AppState,
};

/// A dept_no from the path, as test_db stores it (`D005` is `d005`); anything else, and a path
/// that is not UTF-8, is `404`, like a department that does not exist.
pub fn dept_no(path: Result<Path<String>, PathRejection>) -> Result<String, Error> {
    path.ok()
        .and_then(|Path(dept_no)| canonical_dept_no(&dept_no))
        .ok_or(Error::NotFound)
}

/// The nine departments: manager, headcount, and payroll for HR and the department's own manager.
#[utoipa::path(get, path = "/departments", tag = "directory",
    responses(
        (status = 200, body = [DepartmentSummary]),
        (status = 401, description = "No valid token", body = Detail),
        (status = 403, description = "The token lacks `directory`, `manager` or `hr`", body = Detail),
    ),
    security(("oauth2" = ["directory"]), ("cookie" = []))
)]
pub async fn list(
    State(state): State<AppState>,
    caller: Authorized<DirectoryRead>,
) -> Result<Json<Vec<DepartmentSummary>>, Error> {
    Ok(Json(state.directory.departments(caller.viewer()).await?))
}

/// One department, with its manager history (newest first).
#[utoipa::path(get, path = "/departments/{dept_no}", tag = "directory",
    params(("dept_no" = String, Path, description = "Department number (any case: `D005` is `d005`)", example = "d005")),
    responses(
        (status = 200, body = DepartmentDetail),
        (status = 401, description = "No valid token", body = Detail),
        (status = 403, description = "The token lacks `directory`, `manager` or `hr`", body = Detail),
        (status = 404, description = "No such department", body = Detail),
    ),
    security(("oauth2" = ["directory"]), ("cookie" = []))
)]
pub async fn show(
    State(state): State<AppState>,
    caller: Authorized<DirectoryRead>,
    path: Result<Path<String>, PathRejection>,
) -> Result<Json<DepartmentDetail>, Error> {
    let dept_no = dept_no(path)?;
    Ok(Json(
        state
            .directory
            .department(caller.viewer(), &dept_no)
            .await?,
    ))
}

/// Cards of a department's current staff, paged and filtered like `/employees` (`status` can only
/// be `current`).
#[utoipa::path(get, path = "/departments/{dept_no}/employees", tag = "directory",
    params(("dept_no" = String, Path, description = "Department number (any case: `D005` is `d005`)", example = "d005"), SearchQuery),
    responses(
        (status = 200, description = "A page of cards; `Link` when there is a next page", body = CardPageBody,
         headers(("Link" = String))),
        (status = 400, description = "A bad parameter or cursor (the detail names it)", body = Detail),
        (status = 401, description = "No valid token", body = Detail),
        (status = 403, description = "The token lacks `directory`, `manager` or `hr`", body = Detail),
        (status = 404, description = "No such department", body = Detail),
        (status = 429, description = "The caller's own searches in flight fill their share (`MAX_SEARCHES_PER_CALLER`); `Retry-After: 1`", body = Detail,
         headers(("Retry-After" = u32))),
        (status = 503, description = "The search took longer than `SEARCH_STATEMENT_TIMEOUT_MS`, or the database is unavailable", body = Detail),
    ),
    security(("oauth2" = ["directory"]), ("cookie" = []))
)]
pub async fn staff(
    State(state): State<AppState>,
    caller: Scoped<DirectoryRead>,
    path: Result<Path<String>, PathRejection>,
    Params(query): Params<SearchQuery>,
) -> Result<Response, Error> {
    let dept_no = dept_no(path)?;
    let (search, cursor) = query.parse()?;
    if search.status != Status::Current {
        return Err(Error::BadRequest(
            "status: a department's staff are its current employees".to_owned(),
        ));
    }
    // The staff page checks the token's session in its own statement.
    let check = caller.statement_check(&state).await?;
    let page = state
        .directory
        .department_staff(caller.viewer, &dept_no, check.as_ref(), search, cursor)
        .await?;
    Ok(page_response(
        &query,
        &format!("/departments/{dept_no}/employees"),
        page,
    ))
}
