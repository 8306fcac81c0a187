//! The HR forms of `/directory/{emp_no}` (a browser with a session of scope `hr`): a change
//! posted as a form runs the same service call as the API, with the tag the page was read at as
//! `If-Match`, so a change someone made since is not overwritten. Success goes back to the record
//! page (`303`); a refusal shows the page again with the reason in the form and what was typed.
//! Cross-site posts are refused in front of every route (`browser::cross_site_refusal`). Hires
//! have a page of their own, `/directory/hire`.

use std::collections::HashMap;

use askama::Template;
use axum::{
    Form, Json,
    extract::{Path, State, rejection::FormRejection, rejection::PathRejection},
    http::{HeaderMap, StatusCode},
    response::{IntoResponse, Redirect, Response},
};
use axum_extra::headers::{ETag, IfMatch};
use serde_json::{Map, Value};

use crate::{
    domain::{
        directory::{DepartmentSummary, canonical_dept_no},
        hr::Change,
        scope::Viewer,
    },
    error::Error,
    http::{
        api::hire::read_hire,
        api::hr::{actor, refusal},
        extract::auth::HrWrite,
        extract::body::Fields,
        extract::client::ClientAddress,
        pages::directory::{PageViewer, Refused, error_page, record_page},
        pages::login::render,
    },
    service::hr::{Actor, AppointRequest, ChangeRequest, Changed, HireRequest},
    state::AppState,
};

/// A form's fields as the JSON body the API takes (whole numbers as numbers, empty fields left
/// out), so that both are read by the same rules.
fn as_body(form: &HashMap<String, String>) -> Value {
    let mut map = Map::new();
    for (name, value) in form {
        // An empty field is one not filled in: absent, as an API client would leave it out.
        if value.trim().is_empty() {
            continue;
        }
        let number = matches!(name.as_str(), "salary" | "emp_no")
            .then(|| value.trim().parse::<i64>().ok())
            .flatten();
        map.insert(
            name.clone(),
            number.map_or_else(|| Value::String(value.clone()), Value::from),
        );
    }
    Value::Object(map)
}

/// The words of a refusal, for the form.
fn message(error: &Error) -> String {
    match error {
        Error::InvalidBody(errors) => errors
            .iter()
            .map(|e| format!("{}: {}", e.field.replace('_', " "), e.message))
            .collect::<Vec<_>>()
            .join("; "),
        Error::Conflict(detail) | Error::BadRequest(detail) => detail.clone(),
        Error::PreconditionFailed => {
            "Someone changed this employee since the page was shown: here it is as it is now."
                .to_owned()
        }
        Error::NotFound => "No such employee or department.".to_owned(),
        _ => "The change could not be made.".to_owned(),
    }
}

/// `POST /directory/{emp_no}/{change}`: `title`, `department`, `salary`, `termination`, or
/// `manager` (of the employee's current department).
pub async fn change(
    State(state): State<AppState>,
    PageViewer(viewer, _): PageViewer<HrWrite>,
    ClientAddress(address): ClientAddress,
    headers: HeaderMap,
    path: Result<Path<(String, String)>, PathRejection>,
    form: Result<Form<HashMap<String, String>>, FormRejection>,
) -> Response {
    // Segments that are not UTF-8, or no emp_no, name no employee: 404.
    let Some((emp_no, what)) = path
        .ok()
        .and_then(|Path((emp_no, what))| Some((emp_no.parse::<i32>().ok()?, what)))
    else {
        return error_page(Error::NotFound);
    };
    let Ok(Form(form)) = form else {
        return error_page(Error::BadRequest("The form could not be read".to_owned()));
    };
    let actor = actor(viewer.emp_no, address, &headers);
    let done = apply(&state, actor, emp_no, &what, &form).await;
    match done {
        Ok(()) => Redirect::to(&format!("/directory/{emp_no}")).into_response(),
        Err(Error::NotFound) if !matches!(what.as_str(), "manager") => error_page(Error::NotFound),
        Err(error) => {
            let status = crate::http::error::status_of(&error);
            if status.is_server_error() {
                return error.into_response();
            }
            let refused = Refused {
                form: what,
                message: message(&error),
                values: form,
            };
            record_page(&state, viewer, emp_no, status, Some(refused)).await
        }
    }
}

async fn apply(
    state: &AppState,
    actor: Actor<'_>,
    emp_no: i32,
    what: &str,
    form: &HashMap<String, String>,
) -> Result<(), Error> {
    let mut fields = Fields::of(Ok(Json(as_body(form))))?;
    let date_field = if what == "termination" {
        "date"
    } else {
        "from_date"
    };
    if what == "manager" {
        // The employee's current department, as the page showed it.
        let Some(dept_no) = form.get("dept_no").and_then(|d| canonical_dept_no(d)) else {
            return Err(Error::NotFound);
        };
        let Some(from_date) = fields.date("from_date") else {
            return Err(fields.refused());
        };
        let request = AppointRequest {
            actor,
            dept_no: &dept_no,
            emp_no,
            from_date,
            retry: None,
        };
        state
            .hr
            .appoint(&request)
            .await
            .map_err(|e| refusal(e, date_field))?;
        return Ok(());
    }
    let change = match what {
        "title" => fields.text("title", 50).map(Change::Title),
        "department" => fields.dept_no("dept_no").map(Change::Department),
        "salary" => fields.positive("salary").map(Change::Salary),
        "termination" => Some(Change::Termination),
        _ => return Err(Error::NotFound),
    };
    let (Some(change), Some(date)) = (change, fields.date(date_field)) else {
        return Err(fields.refused());
    };
    let tag = form.get("etag").and_then(|tag| tag.parse::<ETag>().ok());
    let passes = move |current: &str| {
        let if_match = tag.as_ref().map(|tag| IfMatch::from(tag.clone()));
        current.parse::<ETag>().is_ok_and(|current| {
            if_match.is_none_or(|if_match| if_match.precondition_passes(&current))
        })
    };
    let request = ChangeRequest {
        actor,
        emp_no,
        change,
        date,
        if_match: Some(&passes),
        retry: None,
    };
    state
        .hr
        .change(&request)
        .await
        .map_err(|e| refusal(e, date_field))?;
    Ok(())
}

#[derive(Template)]
#[template(path = "hire.html")]
struct HirePage {
    departments: Vec<DepartmentSummary>,
    error: Option<String>,
    /// What was typed, the password left out.
    values: HashMap<String, String>,
}

impl HirePage {
    fn typed(&self, field: &str) -> &str {
        self.values.get(field).map_or("", String::as_str)
    }
}

async fn hire_form(
    state: &AppState,
    viewer: Viewer,
    status: StatusCode,
    refused: Option<(String, HashMap<String, String>)>,
) -> Response {
    let departments = match state.directory.departments(viewer).await {
        Ok(departments) => departments,
        Err(error) => return error_page(error.into()),
    };
    let (error, mut values) = refused.map_or((None, HashMap::new()), |(error, values)| {
        (Some(error), values)
    });
    values.remove("password");
    render(
        status,
        &HirePage {
            departments,
            error,
            values,
        },
    )
}

/// `GET /directory/hire`: the hire form.
pub async fn hire_page(
    State(state): State<AppState>,
    PageViewer(viewer, _): PageViewer<HrWrite>,
) -> Response {
    hire_form(&state, viewer, StatusCode::OK, None).await
}

/// `POST /directory/hire`: a hire from the form; the new employee's page (`303`), or the form
/// again with the reason and what was typed (the password excepted).
pub async fn hire(
    State(state): State<AppState>,
    PageViewer(viewer, _): PageViewer<HrWrite>,
    ClientAddress(address): ClientAddress,
    headers: HeaderMap,
    form: Result<Form<HashMap<String, String>>, FormRejection>,
) -> Response {
    let Ok(Form(form)) = form else {
        return error_page(Error::BadRequest("The form could not be read".to_owned()));
    };
    let hired = async {
        let mut fields = Fields::of(Ok(Json(as_body(&form))))?;
        let Some((hire, password)) = read_hire(&mut fields) else {
            return Err(fields.refused());
        };
        let request = HireRequest {
            actor: actor(viewer.emp_no, address, &headers),
            hire,
            password,
            retry: None,
        };
        state
            .hr
            .hire(&request)
            .await
            .map_err(|error| refusal(error, "hire_date"))
    };
    match hired.await {
        Ok(Changed::Now { record, .. }) => {
            Redirect::to(&format!("/directory/{}", record.card.emp_no)).into_response()
        }
        Ok(Changed::Replayed { .. }) => Redirect::to("/directory").into_response(),
        Err(error) if crate::http::error::status_of(&error).is_server_error() => {
            error.into_response()
        }
        Err(error) => {
            hire_form(
                &state,
                viewer,
                crate::http::error::status_of(&error),
                Some((message(&error), form)),
            )
            .await
        }
    }
}
