//! Login rules: check an email and password, decide the scopes, issue the token; and logout.

use crate::{
    domain::Profile,
    error::{Error, OAuthCode, OAuthError},
    repository::{employees, tokens},
    service::{jwt::Claims, password},
    state::AppState,
};

/// The scopes a token can carry: `me` (read one's own profile) for everyone, `manager` only for
/// the current manager of a department.
pub const SCOPES: [(&str, &str); 2] = [
    ("me", "Read your own employee record"),
    ("manager", "Act as a current department manager"),
];

pub const INCORRECT: &str = "Incorrect username or password";
pub const INACTIVE: &str = "Inactive user";

/// Checks the password. Unknown emails and accounts without a password are verified against a
/// dummy hash of the same cost, so that they cost the same time as a wrong password; the two
/// answers are the same. A former employee with the right password learns "Inactive user".
#[tracing::instrument(skip_all, fields(emp_no))]
pub async fn authenticate(
    state: &AppState,
    username: &str,
    password: String,
) -> Result<i32, Error> {
    let credentials = employees::find_credentials(&state.db, username).await?;
    let stored = credentials.as_ref().and_then(|c| c.password_hash.clone());
    let known = stored.is_some();
    let hash = stored.unwrap_or_else(|| state.auth.dummy_hash.clone());
    let matches = password::verify(password, hash).await? && known;
    match credentials {
        Some(found) if matches => {
            tracing::Span::current().record("emp_no", found.emp_no);
            if found.active {
                Ok(found.emp_no)
            } else {
                tracing::info!("login refused: former employee");
                Err(OAuthError::new(OAuthCode::InvalidGrant, INACTIVE).into())
            }
        }
        _ => {
            tracing::info!("login refused: incorrect username or password");
            Err(OAuthError::new(OAuthCode::InvalidGrant, INCORRECT).into())
        }
    }
}

/// Splits a requested `scope` (space separated); unknown names are `invalid_scope`. An empty
/// value asks for nothing (Swagger UI sends `scope=` when no box is ticked).
pub fn parse_scopes(scope: Option<&str>) -> Result<Vec<&str>, OAuthError> {
    let mut requested: Vec<&str> = scope.unwrap_or_default().split_ascii_whitespace().collect();
    requested.sort_unstable();
    requested.dedup();
    match requested
        .iter()
        .find(|s| !SCOPES.iter().any(|(name, _)| name == *s))
    {
        Some(unknown) => Err(OAuthError::new(
            OAuthCode::InvalidScope,
            format!("Unknown scope: {unknown}"),
        )),
        None => Ok(requested),
    }
}

/// The scopes granted to an employee, or `invalid_scope` for one they may not have.
pub async fn grant_scopes(
    state: &AppState,
    emp_no: i32,
    requested: &[&str],
) -> Result<Option<String>, Error> {
    if requested.contains(&"manager") && !employees::is_current_manager(&state.db, emp_no).await? {
        return Err(OAuthError::new(
            OAuthCode::InvalidScope,
            "The manager scope is for current department managers",
        )
        .into());
    }
    Ok((!requested.is_empty()).then(|| requested.join(" ")))
}

/// The profile of a token's employee, in one query that also checks the token was not revoked.
/// A revoked token, or one for an employee who no longer exists, proves nothing.
pub async fn current_profile(
    state: &AppState,
    emp_no: i32,
    claims: &Claims,
) -> Result<Profile, Error> {
    employees::find_profile_unless_revoked(&state.db, emp_no, &claims.jti)
        .await?
        .ok_or(Error::InvalidToken)
}

/// Revokes a token until it would have expired anyway, for every instance sharing the database;
/// rows of tokens that have expired meanwhile are purged on the way.
#[tracing::instrument(skip_all, fields(emp_no = claims.sub))]
pub async fn logout(state: &AppState, claims: &Claims) -> Result<(), Error> {
    tokens::revoke(&state.db, &claims.jti, claims.exp).await?;
    // Housekeeping only: the token is revoked whatever happens here.
    if let Err(error) = tokens::purge_expired(&state.db, chrono::Utc::now().timestamp()).await {
        tracing::warn!(%error, "could not purge expired revocations");
    }
    tracing::info!("logged out");
    Ok(())
}
