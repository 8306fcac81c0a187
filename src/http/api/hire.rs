//! `POST /employees`: a hire (scope `hr`). This parses the body and answers `201` with the new
//! employee's full record, `Location` and `ETag`; the service decides.

use axum::{
    Json,
    extract::{State, rejection::JsonRejection},
    http::HeaderMap,
    response::Response,
};
use chrono::{NaiveDate, Utc};
use secrecy::SecretString;
use serde::Deserialize;
use serde_json::Value;
use utoipa::ToSchema;

use crate::{
    domain::{self, hr::NewHire},
    error::{Detail, Error, InvalidBodyDetail},
    http::{
        api::employees::EmployeeBody,
        api::hr::{actor, idempotency_key, refusal, respond},
        extract::auth::{Authorized, HrWrite},
        extract::body::Fields,
        extract::client::ClientAddress,
    },
    service::hr::{HireRequest, Retry},
    state::AppState,
};

/// A new employee. `email` is optional (default `firstname.lastname.EMPNO@gmail.com`).
#[derive(Deserialize, ToSchema)]
pub struct HireBody {
    /// 1 to 14 characters, no control characters.
    #[schema(example = "Ada", max_length = 14)]
    pub first_name: String,
    /// 1 to 16 characters, no control characters.
    #[schema(example = "Lovelace", max_length = 16)]
    pub last_name: String,
    #[schema(example = "F", pattern = "^[MF]$")]
    pub gender: String,
    /// From 1900-01-01 to today, before `hire_date`.
    #[schema(example = "1990-12-10")]
    pub birth_date: NaiveDate,
    /// From 1900-01-01 to today.
    #[schema(example = "2024-01-02")]
    pub hire_date: NaiveDate,
    #[schema(example = "d005")]
    pub dept_no: String,
    /// 1 to 50 characters, no control characters.
    #[schema(example = "Engineer", max_length = 50)]
    pub title: String,
    #[schema(example = 65000, minimum = 1)]
    pub salary: i32,
    /// 8 to 72 bytes.
    #[schema(example = "a long passphrase", format = Password)]
    pub password: String,
    /// An address (`local@domain.tld`: dot-separated atoms of letters, digits and
    /// ``!#$%&'*+-/=?^_`{|}~``, 64 bytes at most before the `@`); default
    /// `firstname.lastname.EMPNO@gmail.com`, which names such as `J. R.` cannot make.
    #[schema(example = "ada.lovelace@example.com")]
    pub email: Option<String>,
}

/// A hire's fields, by the same rules for the API and the form: `None` when some field was
/// refused (`fields` names each).
pub(crate) fn read_hire(fields: &mut Fields) -> Option<(NewHire, SecretString)> {
    let names = (fields.text("first_name", 14), fields.text("last_name", 16));
    let gender = fields.one_of("gender", &["M", "F"]);
    let dates = (fields.date("birth_date"), fields.date("hire_date"));
    let job = (fields.dept_no("dept_no"), fields.text("title", 50));
    let (salary, password) = (fields.positive("salary"), fields.password("password"));
    let email = fields.optional_email("email");
    let (
        (Some(first_name), Some(last_name)),
        Some(gender),
        (Some(birth_date), Some(hire_date)),
        (Some(dept_no), Some(title)),
        (Some(salary), Some(password)),
        Some(email),
    ) = (names, gender, dates, job, (salary, password), email)
    else {
        return None;
    };
    // Nobody on file was born before 1900 or is born after today: such a date is a typo.
    if birth_date < domain::FIRST_DATE || birth_date > Utc::now().date_naive() {
        fields.refuse_field("birth_date", "must be a date from 1900-01-01 to today");
        return None;
    }
    if birth_date >= hire_date {
        fields.refuse_field("birth_date", "must be before hire_date");
        return None;
    }
    let hire = NewHire {
        first_name,
        last_name,
        gender,
        birth_date,
        hire_date,
        dept_no,
        title,
        salary,
        email,
    };
    Some((hire, password))
}

/// Hires an employee: their first department, title and salary start on `hire_date`.
#[utoipa::path(post, path = "/employees", tag = "hr",
    params(("Idempotency-Key" = Option<String>, Header, description = "Any 1 to 255 visible ASCII characters: a retry with the same key and body within 24 hours gets the first answer again and hires nobody twice; another body is `422`")),
    request_body = HireBody,
    responses(
        (status = 201, description = "The new employee's full record; `Location` and `ETag`", body = EmployeeBody,
         headers(("Location" = String), ("ETag" = String))),
        (status = 400, description = "A malformed `Idempotency-Key`", body = Detail),
        (status = 401, description = "No valid token", body = Detail),
        (status = 403, description = "The token lacks `hr`", body = Detail),
        (status = 409, description = "Another employee has the email", body = Detail),
        (status = 422, description = "A missing or malformed field (a control character in a name or title, an email that is no address, a date outside 1900-01-01..today), an unknown department, a hire date after today or not after the birth date, no email where the names make none, or the same `Idempotency-Key` with another body", body = InvalidBodyDetail),
    ),
    security(("oauth2" = ["hr"]), ("cookie" = []))
)]
pub async fn hire(
    State(state): State<AppState>,
    caller: Authorized<HrWrite>,
    address: ClientAddress,
    headers: HeaderMap,
    body: Result<Json<Value>, JsonRejection>,
) -> Result<Response, Error> {
    let mut fields = Fields::of(body)?;
    let Some((hire, password)) = read_hire(&mut fields) else {
        return Err(fields.refused());
    };
    let request_hash = fields.hash();
    let key = idempotency_key(&headers)?;
    let request = HireRequest {
        actor: actor(caller.viewer().emp_no, address.0, &headers),
        hire,
        password,
        retry: key.map(|key| Retry {
            endpoint: "POST /employees",
            key,
            request_hash: &request_hash,
        }),
    };
    let changed = state
        .hr
        .hire(&request)
        .await
        .map_err(|error| refusal(error, "hire_date"))?;
    Ok(respond(changed))
}
