//! The query string of a directory search (`GET /employees`, a department's staff, `/directory`):
//! parsed into a [`Search`], every bad value a `400` that names its parameter.

use axum::{
    extract::FromRequestParts,
    http::{HeaderValue, header, request::Parts},
    response::{IntoResponse, Response},
};
use chrono::NaiveDate;
use serde::{Deserialize, Serialize, de::DeserializeOwned};
use utoipa::IntoParams;

use crate::{
    domain::{
        self,
        directory::{Needle, Search, Status, canonical_dept_no},
    },
    error::Error,
    service::directory::CardPage,
};

/// The longest `q` accepted: longer than any name or email prefix could usefully be.
const MAX_Q_CHARS: usize = 100;
pub const DEFAULT_LIMIT: u32 = 20;

/// Search parameters as sent. An empty `q`, `title` or `cursor` counts as absent; an empty value of
/// a typed parameter is a `400` (the pages drop a form's empty fields first, see
/// [`SearchQuery::without_empty`]).
#[derive(Debug, Clone, Default, Deserialize, Serialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct SearchQuery {
    /// Case-insensitive prefix of the last name, the first name, "first last" or the email; a
    /// number is exactly an emp_no. `%` and `_` are literal.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub q: Option<String>,
    /// Current department (dept_no, in any case: `D005` is `d005`).
    #[serde(skip_serializing_if = "Option::is_none")]
    #[param(pattern = "^d[0-9]{3}$")]
    pub department: Option<String>,
    /// Current title, exactly.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    /// Hired on or after (ISO date, 1900-01-01 to 9999-12-31).
    #[serde(skip_serializing_if = "Option::is_none")]
    #[param(value_type = Option<NaiveDate>)]
    pub hired_from: Option<String>,
    /// Hired on or before (ISO date, 1900-01-01 to 9999-12-31).
    #[serde(skip_serializing_if = "Option::is_none")]
    #[param(value_type = Option<NaiveDate>)]
    pub hired_to: Option<String>,
    /// `current` (default); `former` and `all` need the `hr` scope.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[param(value_type = Option<Status>)]
    pub status: Option<String>,
    /// Page size, 1 to 100 (default 20).
    #[serde(skip_serializing_if = "Option::is_none")]
    #[param(value_type = Option<u32>, minimum = 1, maximum = 100)]
    pub limit: Option<String>,
    /// `next_cursor` of the previous page.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cursor: Option<String>,
}

fn present(value: &Option<String>) -> Option<&str> {
    value.as_deref().map(str::trim).filter(|v| !v.is_empty())
}

/// A typed parameter: absent is fine, empty is not.
pub(crate) fn typed<'a>(value: &'a Option<String>, name: &str) -> Result<Option<&'a str>, Error> {
    match value.as_deref().map(str::trim) {
        Some("") => Err(Error::BadRequest(format!("{name}: empty"))),
        other => Ok(other),
    }
}

pub(crate) fn bad(message: &str) -> Error {
    Error::BadRequest(message.to_owned())
}

/// An ISO date from 1900-01-01 to 9999-12-31 ([`domain::date_in_range`]): chrono also reads
/// `-0001-01-01`, which no backend can bind.
fn date(value: &Option<String>, name: &str) -> Result<Option<NaiveDate>, Error> {
    typed(value, name)?
        .map(|v| {
            NaiveDate::parse_from_str(v, "%Y-%m-%d")
                .ok()
                .filter(|date| domain::date_in_range(*date))
                .ok_or_else(|| {
                    Error::BadRequest(format!(
                        "{name}: an ISO date (YYYY-MM-DD) from 1900-01-01 to 9999-12-31 is expected"
                    ))
                })
        })
        .transpose()
}

/// `limit`: 1 to 100.
pub(crate) fn limit(value: &Option<String>) -> Result<Option<u32>, Error> {
    typed(value, "limit")?
        .map(|limit| {
            limit
                .parse()
                .ok()
                .filter(|n| (1..=100).contains(n))
                .ok_or_else(|| bad("limit: an integer from 1 to 100"))
        })
        .transpose()
}

/// A query string read into `T` (whose fields are all optional strings), or a `400` in our own
/// words naming the parameter that could not be read: axum's `Query` answers with serde's text
/// ("Failed to deserialize query string: duplicate field `q`"), in plain text.
pub struct Params<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequestParts<S> for Params<T> {
    type Rejection = Error;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Error> {
        let query = parts.uri.query().unwrap_or_default();
        serde_urlencoded::from_str(query)
            .map(Params)
            .map_err(|error| unreadable(query, &error.to_string()))
    }
}

/// The refusal of a query string that `T` could not be read from. Its fields are optional
/// strings, so what fails is a parameter given twice; serde names it only inside its message, so
/// the repeated names are looked for there (a name the client made up is never echoed).
fn unreadable(query: &str, message: &str) -> Error {
    let pairs: Vec<(String, String)> = serde_urlencoded::from_str(query).unwrap_or_default();
    let repeated = pairs.iter().enumerate().find_map(|(i, (name, _))| {
        let again = pairs[..i].iter().any(|(earlier, _)| earlier == name);
        (again && message.contains(&format!("`{name}`"))).then_some(name)
    });
    match repeated {
        Some(name) => Error::BadRequest(format!("{name}: given more than once")),
        None => bad("The query string could not be read"),
    }
}

impl SearchQuery {
    /// The search these parameters ask for, and the cursor.
    pub fn parse(&self) -> Result<(Search, Option<&str>), Error> {
        let q = present(&self.q);
        if q.is_some_and(|q| q.chars().count() > MAX_Q_CHARS) {
            return Err(bad("q: at most 100 characters"));
        }
        let department = typed(&self.department, "department")?
            .map(|d| {
                canonical_dept_no(d)
                    .ok_or_else(|| bad("department: a dept_no such as d005 is expected"))
            })
            .transpose()?;
        let title = present(&self.title);
        if title.is_some_and(|t| t.chars().count() > 50) {
            return Err(bad("title: at most 50 characters"));
        }
        let hired_from = date(&self.hired_from, "hired_from")?;
        let hired_to = date(&self.hired_to, "hired_to")?;
        if let (Some(from), Some(to)) = (hired_from, hired_to)
            && from > to
        {
            return Err(bad("hired_from: must not be after hired_to"));
        }
        let status = match typed(&self.status, "status")? {
            None | Some("current") => Status::Current,
            Some("former") => Status::Former,
            Some("all") => Status::All,
            Some(_) => return Err(bad("status: one of current, former, all")),
        };
        let limit = limit(&self.limit)?.unwrap_or(DEFAULT_LIMIT);
        let search = Search {
            needle: q.and_then(Needle::parse),
            department,
            title: title.map(str::to_owned),
            hired_from,
            hired_to,
            status,
            limit,
        };
        Ok((search, present(&self.cursor)))
    }

    /// The query without its empty fields: what a submitted search form means.
    pub fn without_empty(self) -> Self {
        let keep = |value: Option<String>| value.filter(|v| !v.trim().is_empty());
        SearchQuery {
            q: keep(self.q),
            department: keep(self.department),
            title: keep(self.title),
            hired_from: keep(self.hired_from),
            hired_to: keep(self.hired_to),
            status: keep(self.status),
            limit: keep(self.limit),
            cursor: keep(self.cursor),
        }
    }

    /// The same search's next page, as a path and query (for `Link` and the pages' links).
    pub fn next_page(&self, path: &str, cursor: &str) -> String {
        let next = SearchQuery {
            cursor: Some(cursor.to_owned()),
            ..self.clone()
        };
        match serde_urlencoded::to_string(&next) {
            Ok(query) => format!("{path}?{query}"),
            Err(_) => path.to_owned(),
        }
    }
}

/// A page of cards as JSON.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct CardPageBody {
    pub items: Vec<crate::domain::directory::Card>,
    /// The `cursor` of the next page; `null` on the last one.
    pub next_cursor: Option<String>,
}

/// The JSON answer, with `Link: <…>; rel="next"` (RFC 8288) when there is a next page.
pub fn page_response(query: &SearchQuery, path: &str, page: CardPage) -> Response {
    let link = page
        .next_cursor
        .as_deref()
        .map(|cursor| format!("<{}>; rel=\"next\"", query.next_page(path, cursor)));
    let mut response = axum::Json(CardPageBody {
        items: page.items,
        next_cursor: page.next_cursor,
    })
    .into_response();
    if let Some(value) = link.and_then(|link| HeaderValue::from_str(&link).ok()) {
        response.headers_mut().insert(header::LINK, value);
    }
    response
}
