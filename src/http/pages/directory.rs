//! The directory's browser pages: `/directory`, `/directory/{emp_no}`, and the HTML of
//! `/departments` and `/departments/{dept_no}`. Same rules as the API (the same service); the
//! guard sends a browser without a session to the login page and back.

use std::marker::PhantomData;

use askama::Template;
use axum::{
    extract::{FromRequestParts, Path, State, rejection::PathRejection},
    http::{StatusCode, request::Parts},
    response::{IntoResponse, Redirect, Response},
};

use crate::{
    domain::{
        directory::{
            Card, DepartmentDetail, DepartmentSummary, EmployeeView, History, Record, SalarySpell,
        },
        scope::{Scope, Viewer},
    },
    error::Error,
    http::{
        api::departments,
        api::employees::emp_no,
        extract::auth::{Authorized, DirectoryRead, EmployeeRead, Need, Scoped},
        extract::browser,
        extract::search_query::{Params, SearchQuery},
        pages::login::render,
    },
    state::AppState,
};

/// A browser with a session whose token has the scope `N` needs. Without a session: `303` to
/// `/login?next=<this page>`; without the scope: a `403` page.
pub struct PageViewer<N>(pub Viewer, pub PhantomData<N>);

impl<N: Need> FromRequestParts<AppState> for PageViewer<N> {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Response> {
        let PageCaller(caller) = PageCaller::<N>::from_request_parts(parts, state).await?;
        Ok(PageViewer(caller.viewer, PhantomData))
    }
}

/// [`PageViewer`] with the caller's token (its session and employee), for the pages that act as
/// the caller (the account page).
pub struct PageCaller<N>(pub Scoped<N>);

impl<N: Need> FromRequestParts<AppState> for PageCaller<N> {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Response> {
        match Authorized::<N>::from_request_parts(parts, state).await {
            Ok(Authorized(caller)) => Ok(PageCaller(caller)),
            Err(Error::Unauthenticated | Error::InvalidToken) => {
                let here = parts.uri.path_and_query().map_or("/", |p| p.as_str());
                let next = serde_urlencoded::to_string([("next", here)]).unwrap_or_default();
                let jar = state.web.removal_cookies();
                Err((jar, Redirect::to(&format!("/login?{next}"))).into_response())
            }
            Err(error) => Err(error_page(error)),
        }
    }
}

/// A page that a browser is shown and an API client may also fetch (`/status`): a browser (it asks
/// for `text/html`, see [`crate::http::extract::browser::wants_html`]) is guarded as by [`PageViewer`]; any
/// other client gets the API's refusals, `401` or `403` as `{"detail"}` with `WWW-Authenticate`,
/// not a redirect to the login page or a page of HTML it cannot read.
pub struct PageOrApi<N>(pub Viewer, pub PhantomData<N>);

impl<N: Need> FromRequestParts<AppState> for PageOrApi<N> {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Response> {
        if browser::wants_html(&parts.headers) {
            let PageViewer(viewer, _) = PageViewer::<N>::from_request_parts(parts, state).await?;
            return Ok(PageOrApi(viewer, PhantomData));
        }
        match Authorized::<N>::from_request_parts(parts, state).await {
            Ok(authorized) => Ok(PageOrApi(authorized.viewer(), PhantomData)),
            Err(error) => Err(error.into_response()),
        }
    }
}

#[derive(Template)]
#[template(path = "message.html")]
struct MessagePage<'a> {
    heading: &'a str,
    message: &'a str,
}

/// An error as a page: the status of the API's answer, a message without internals.
pub(crate) fn error_page(error: Error) -> Response {
    let status = crate::http::error::status_of(&error);
    let message = match &error {
        Error::InsufficientScope(_) => "Your session does not allow this page.".to_owned(),
        Error::NotFound => "There is no such page, or it is not yours to see.".to_owned(),
        Error::BadRequest(message) => message.clone(),
        Error::TooManySearches => {
            "Your other searches are still running: try again in a moment.".to_owned()
        }
        Error::SearchTooSlow => {
            "The search took too long: narrow it (a name, a department, a title).".to_owned()
        }
        _ => return error.into_response(),
    };
    let heading = status.canonical_reason().unwrap_or("Error");
    render(
        status,
        &MessagePage {
            heading,
            message: &message,
        },
    )
}

/// What the search form shows again: the values as submitted.
#[derive(Default)]
struct FormValues {
    q: String,
    department: String,
    title: String,
    hired_from: String,
    hired_to: String,
    status: String,
}

#[derive(Template)]
#[template(path = "directory.html")]
struct DirectoryPage {
    form: FormValues,
    departments: Vec<DepartmentSummary>,
    hr: bool,
    items: Vec<Card>,
    next: Option<String>,
    error: Option<String>,
}

/// The search form and one page of results, with a link to the next page.
pub async fn directory(
    State(state): State<AppState>,
    PageViewer(viewer, _): PageViewer<DirectoryRead>,
    query: Result<Params<SearchQuery>, Error>,
) -> Response {
    let departments = match state.directory.departments(viewer).await {
        Ok(departments) => departments,
        Err(error) => return error_page(error.into()),
    };
    // An unreadable query string (a parameter given twice) is shown in the form, like any bad
    // parameter, over an empty search.
    let (query, unreadable) = match query {
        Ok(Params(query)) => (query.without_empty(), None),
        Err(error) => (SearchQuery::default(), Some(error)),
    };
    let value = |v: &Option<String>| v.clone().unwrap_or_default();
    let form = FormValues {
        q: value(&query.q),
        department: value(&query.department),
        title: value(&query.title),
        hired_from: value(&query.hired_from),
        hired_to: value(&query.hired_to),
        status: value(&query.status),
    };
    let mut page = DirectoryPage {
        form,
        departments,
        hr: viewer.can(Scope::Hr),
        items: Vec::new(),
        next: None,
        error: None,
    };
    let found = match unreadable.map_or_else(|| query.parse(), Err) {
        Ok((search, cursor)) => state
            .directory
            .search(viewer, None, &search, cursor)
            .await
            .map_err(Error::from),
        Err(error) => Err(error),
    };
    let status = match found {
        Ok(found) => {
            page.next = found.next_cursor.map(|c| query.next_page("/directory", &c));
            page.items = found.items;
            StatusCode::OK
        }
        Err(error @ (Error::BadRequest(_) | Error::InsufficientScope(_))) => {
            let status = crate::http::error::status_of(&error);
            page.error = Some(match error {
                Error::BadRequest(message) => message,
                _ => "Former employees are listed for HR only.".to_owned(),
            });
            status
        }
        Err(error) => return error_page(error),
    };
    render(status, &page)
}

#[derive(Template)]
#[template(path = "employee.html")]
struct EmployeePage {
    card: Card,
    record: Option<Record>,
    history: Option<History>,
    salaries: Option<Vec<SalarySpell>>,
    /// For HR: the forms of the changes, sent back with the tag the page was read at.
    forms: Option<HrForms>,
}

/// The HR forms of a record page: the tag for `If-Match`, the departments to transfer to, and
/// the refusal of the form just sent (which form, why, and what was typed).
pub(crate) struct HrForms {
    etag: String,
    departments: Vec<DepartmentSummary>,
    refused: Option<Refused>,
}

/// A form that was sent and refused.
pub(crate) struct Refused {
    pub form: String,
    pub message: String,
    pub values: std::collections::HashMap<String, String>,
}

impl HrForms {
    /// What was typed into `field` of `form`, when that form was refused.
    fn typed(&self, form: &str, field: &str) -> String {
        self.refused
            .as_ref()
            .filter(|refused| refused.form == form)
            .and_then(|refused| refused.values.get(field).cloned())
            .unwrap_or_default()
    }

    fn error(&self, form: &str) -> Option<&str> {
        self.refused
            .as_ref()
            .filter(|refused| refused.form == form)
            .map(|refused| refused.message.as_str())
    }
}

/// One employee: the card, or the full record with history and salaries when allowed.
pub async fn employee(
    State(state): State<AppState>,
    PageViewer(viewer, _): PageViewer<EmployeeRead>,
    path: Result<Path<i32>, PathRejection>,
) -> Response {
    match emp_no(path) {
        Ok(emp_no) => record_page(&state, viewer, emp_no, StatusCode::OK, None).await,
        Err(error) => error_page(error),
    }
}

/// The record page of `emp_no` as `viewer` may see it, with the HR forms for `hr` (and a refused
/// form's reason and values).
pub(crate) async fn record_page(
    state: &AppState,
    viewer: Viewer,
    emp_no: i32,
    status: StatusCode,
    refused: Option<Refused>,
) -> Response {
    let shown = async {
        let (view, details) = state
            .directory
            .employee_with_history(viewer, emp_no)
            .await?;
        let (history, salaries) = details.unzip();
        let forms = match viewer.can(Scope::Hr) {
            true => Some(HrForms {
                etag: state.hr.etag(emp_no).await?,
                departments: state.directory.departments(viewer).await?,
                refused,
            }),
            false => None,
        };
        Ok::<_, Error>(match view {
            EmployeeView::Record(record) => EmployeePage {
                card: record.card.clone(),
                history,
                salaries,
                record: Some(record),
                forms,
            },
            EmployeeView::Card(card) => EmployeePage {
                card,
                record: None,
                history: None,
                salaries: None,
                forms,
            },
        })
    };
    match shown.await {
        Ok(page) => render(status, &page),
        Err(error) => error_page(error),
    }
}

#[derive(Template)]
#[template(path = "departments.html")]
struct DepartmentsPage {
    payroll_shown: bool,
    departments: Vec<DepartmentSummary>,
}

/// The departments as a table (the HTML of `GET /departments`).
pub async fn departments(
    State(state): State<AppState>,
    PageViewer(viewer, _): PageViewer<DirectoryRead>,
) -> Response {
    match state.directory.departments(viewer).await {
        Ok(departments) => render(
            StatusCode::OK,
            &DepartmentsPage {
                payroll_shown: departments.iter().any(|d| d.payroll.is_some()),
                departments,
            },
        ),
        Err(error) => error_page(error.into()),
    }
}

#[derive(Template)]
#[template(path = "department.html")]
struct DepartmentPage {
    department: DepartmentDetail,
}

/// One department (the HTML of `GET /departments/{dept_no}`).
pub async fn department(
    State(state): State<AppState>,
    PageViewer(viewer, _): PageViewer<DirectoryRead>,
    path: Result<Path<String>, PathRejection>,
) -> Response {
    let dept_no = match departments::dept_no(path) {
        Ok(dept_no) => dept_no,
        Err(error) => return error_page(error),
    };
    match state.directory.department(viewer, &dept_no).await {
        Ok(department) => render(StatusCode::OK, &DepartmentPage { department }),
        Err(error) => error_page(error.into()),
    }
}
