//! `/account`: the employee's second factor in the browser: set up an authenticator app (the QR
//! code as inline SVG, made here), confirm it, see the recovery codes once, new codes, turn it
//! off. The forms call the same service as `/users/me/mfa/*`.

use std::collections::HashMap;

use askama::Template;
use axum::{
    Form,
    extract::{State, rejection::FormRejection},
    http::StatusCode,
    response::Response,
};
use qrcode::{QrCode, render::svg};
use secrecy::{ExposeSecret, SecretString};

use crate::{
    domain::session::Origin,
    error::Error,
    http::pages::passkeys::PasskeysSection,
    http::{
        extract::auth::OwnRecord,
        pages::{
            directory::{PageCaller, error_page},
            login::render,
        },
    },
    service::mfa::{Enrolment, MfaError, Presenter, TotpState},
    state::AppState,
};

#[derive(Template)]
#[template(path = "account.html")]
struct AccountPage {
    email: String,
    totp: &'static str,
    recovery_codes_left: i64,
    message: Option<String>,
    error: Option<String>,
    /// While setting up: the QR code (SVG markup made here) and the secret to type in.
    qr_svg: Option<String>,
    secret: Option<String>,
    /// Right after confirming or renewing: the codes, this once.
    recovery_codes: Vec<String>,
    /// The passkeys section (`account_passkeys.html`).
    passkeys: PasskeysSection,
}

/// The QR code of an `otpauth://` URI as SVG markup (no script, no outside library).
fn qr_svg(uri: &SecretString) -> Result<String, Error> {
    let code = QrCode::new(uri.expose_secret().as_bytes())
        .map_err(|error| Error::Internal(format!("QR code: {error}")))?;
    let svg = code
        .render::<svg::Color>()
        .min_dimensions(220, 220)
        .quiet_zone(true)
        .build();
    // The XML declaration has no place inside HTML.
    Ok(match svg.find("<svg") {
        Some(start) => svg[start..].to_owned(),
        None => svg,
    })
}

/// What a form post changes on the page.
#[derive(Default)]
struct Shown {
    message: Option<String>,
    error: Option<String>,
    enrolment: Option<Enrolment>,
    recovery_codes: Vec<SecretString>,
}

async fn page(state: &AppState, emp_no: i32, status: StatusCode, shown: Shown) -> Response {
    let built = async {
        let account = state.auth.email_of(emp_no).await?;
        let mfa = state.auth.mfa().status(emp_no).await.map_err(Error::from)?;
        let totp = match mfa.totp {
            TotpState::Off => "off",
            TotpState::Pending => "pending",
            TotpState::On => "on",
        };
        let (qr, secret) = match &shown.enrolment {
            Some(enrolment) => (
                Some(qr_svg(&enrolment.otpauth_uri)?),
                Some(enrolment.secret.expose_secret().to_owned()),
            ),
            None => (None, None),
        };
        Ok::<_, Error>(AccountPage {
            email: account,
            totp,
            recovery_codes_left: mfa.recovery_codes_left,
            message: shown.message,
            error: shown.error,
            qr_svg: qr,
            secret,
            recovery_codes: shown
                .recovery_codes
                .iter()
                .map(|c| c.expose_secret().to_owned())
                .collect(),
            passkeys: PasskeysSection::of(state, emp_no).await?,
        })
    };
    match built.await {
        Ok(page) => render(status, &page),
        Err(error) => error_page(error),
    }
}

/// A refused form: its reason on the page (a wrong code: `400`; too many: `429`).
async fn refused(state: &AppState, emp_no: i32, error: MfaError, mut shown: Shown) -> Response {
    let status = match &error {
        MfaError::WrongCode => StatusCode::BAD_REQUEST,
        MfaError::Throttled { .. } => StatusCode::TOO_MANY_REQUESTS,
        MfaError::AlreadyOn | MfaError::NotOn | MfaError::NotStarted => StatusCode::CONFLICT,
        MfaError::SecondFactorNeeded => StatusCode::FORBIDDEN,
        MfaError::Internal(_) => return error_page(Error::from(error)),
    };
    shown.error = Some(match error {
        MfaError::Throttled { retry_after_secs } => {
            format!("Too many wrong codes. Try again in {retry_after_secs} seconds.")
        }
        other => sentence(&other.to_string()),
    });
    page(state, emp_no, status, shown).await
}

fn sentence(text: &str) -> String {
    let mut chars = text.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect::<String>() + ".",
        None => String::new(),
    }
}

fn field(form: &Result<Form<HashMap<String, String>>, FormRejection>, name: &str) -> SecretString {
    let value = match form {
        Ok(Form(form)) => form.get(name).cloned().unwrap_or_default(),
        Err(_) => String::new(),
    };
    value.into()
}

/// `GET /account`.
pub async fn show(
    State(state): State<AppState>,
    PageCaller(caller): PageCaller<OwnRecord>,
) -> Response {
    page(
        &state,
        caller.token.emp_no,
        StatusCode::OK,
        Shown::default(),
    )
    .await
}

/// `POST /account/totp`: a new secret, shown as a QR code with the form for its first code.
pub async fn begin(
    State(state): State<AppState>,
    PageCaller(caller): PageCaller<OwnRecord>,
) -> Response {
    let emp_no = caller.token.emp_no;
    let begun = async {
        let email = state.auth.email_of(emp_no).await?;
        state
            .auth
            .mfa()
            .begin_totp(emp_no, &email, caller.token.claims.used_mfa())
            .await
            .map_err(Error::from)
    };
    match begun.await {
        Ok(enrolment) => {
            let shown = Shown {
                enrolment: Some(enrolment),
                ..Shown::default()
            };
            page(&state, emp_no, StatusCode::OK, shown).await
        }
        Err(Error::Conflict(message)) => {
            let shown = Shown {
                error: Some(message),
                ..Shown::default()
            };
            page(&state, emp_no, StatusCode::CONFLICT, shown).await
        }
        Err(error) => error_page(error),
    }
}

/// `POST /account/totp/confirm` (`code`): on, and the recovery codes once.
pub async fn confirm(
    State(state): State<AppState>,
    PageCaller(caller): PageCaller<OwnRecord>,
    origin: Origin,
    form: Result<Form<HashMap<String, String>>, FormRejection>,
) -> Response {
    let emp_no = caller.token.emp_no;
    let presenter = Presenter {
        origin: &origin,
        device: Some(&caller.token.claims.sid),
    };
    let code = field(&form, "code");
    match state
        .auth
        .mfa()
        .confirm_totp(emp_no, &code, &presenter)
        .await
    {
        Ok(codes) => {
            let shown = Shown {
                message: Some("Your authenticator app is on.".into()),
                recovery_codes: codes,
                ..Shown::default()
            };
            page(&state, emp_no, StatusCode::OK, shown).await
        }
        Err(error) => {
            // A wrong first code: the same QR code again, to try another.
            let email = state.auth.email_of(emp_no).await.unwrap_or_default();
            let enrolment = state.auth.mfa().enrolment(emp_no, &email).await.ok();
            let shown = Shown {
                enrolment,
                ..Shown::default()
            };
            refused(&state, emp_no, error, shown).await
        }
    }
}

/// `POST /account/recovery-codes` (`code`): a new set, shown once.
pub async fn renew(
    State(state): State<AppState>,
    PageCaller(caller): PageCaller<OwnRecord>,
    origin: Origin,
    form: Result<Form<HashMap<String, String>>, FormRejection>,
) -> Response {
    let emp_no = caller.token.emp_no;
    let presenter = Presenter {
        origin: &origin,
        device: Some(&caller.token.claims.sid),
    };
    let code = field(&form, "code");
    match state
        .auth
        .mfa()
        .new_recovery_codes(emp_no, &code, &presenter)
        .await
    {
        Ok(codes) => {
            let shown = Shown {
                message: Some("New recovery codes: the old ones no longer work.".into()),
                recovery_codes: codes,
                ..Shown::default()
            };
            page(&state, emp_no, StatusCode::OK, shown).await
        }
        Err(error) => refused(&state, emp_no, error, Shown::default()).await,
    }
}

/// `POST /account/totp/off` (`password`, `code`).
pub async fn disable(
    State(state): State<AppState>,
    PageCaller(caller): PageCaller<OwnRecord>,
    origin: Origin,
    form: Result<Form<HashMap<String, String>>, FormRejection>,
) -> Response {
    let emp_no = caller.token.emp_no;
    let token = caller.token.token_ref();
    let password = field(&form, "password");
    let proof = state
        .auth
        .prove_password(&token, password, &origin, "turning TOTP off")
        .await;
    let proof = match proof {
        Ok(proof) => proof,
        Err(error) => {
            let error = Error::from(error);
            let status = crate::http::error::status_of(&error);
            let shown = Shown {
                error: Some(match error {
                    Error::BadRequest(message) => message,
                    Error::TooManyAttempts { retry_after_secs } => {
                        format!(
                            "Too many failed attempts. Try again in {retry_after_secs} seconds."
                        )
                    }
                    other => return error_page(other),
                }),
                ..Shown::default()
            };
            return page(&state, emp_no, status, shown).await;
        }
    };
    let presenter = Presenter {
        origin: &origin,
        device: Some(&caller.token.claims.sid),
    };
    let code = field(&form, "code");
    match state
        .auth
        .mfa()
        .disable_totp(proof, &code, &presenter)
        .await
    {
        Ok(()) => {
            let shown = Shown {
                message: Some("Your authenticator app is off.".into()),
                ..Shown::default()
            };
            page(&state, emp_no, StatusCode::OK, shown).await
        }
        Err(error) => refused(&state, emp_no, error, Shown::default()).await,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_qr_code_is_inline_svg() {
        let svg = qr_svg(&SecretString::from(
            "otpauth://totp/Employees:a%40b.c?secret=JBSWY3DP",
        ))
        .unwrap();
        assert!(svg.starts_with("<svg") && svg.ends_with("</svg>"), "{svg}");
        assert!(!svg.contains("<script"));
    }
}
