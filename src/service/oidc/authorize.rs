//! `GET /authorize` (OIDC Core §3.1.2): the request checked in the order the specifications
//! set — the client and its redirect URI first (an error there shows a page and never
//! redirects: the URI cannot be trusted), then everything else, whose errors go back to the
//! client (RFC 6749 §4.1.2.1) — then the browser's login, the consent, and the code.

use serde::Deserialize;

use super::{CODE_LIFETIME, OidcService, back::Back, random_token, sha256_hex};
use crate::{
    domain::{
        amr::Amr,
        client::{Client, GrantType},
        oidc::{Grant, OidcScope},
        scope::scopes_of,
    },
    error::Error,
    repository::{codes, consents, roles},
};

/// The request's parameters as sent (every one optional, so each refusal can be precise).
#[derive(Debug, Default, Clone, Deserialize)]
pub struct AuthorizeParams {
    pub response_type: Option<String>,
    pub client_id: Option<String>,
    pub redirect_uri: Option<String>,
    pub scope: Option<String>,
    pub state: Option<String>,
    pub nonce: Option<String>,
    pub code_challenge: Option<String>,
    pub code_challenge_method: Option<String>,
    pub prompt: Option<String>,
    pub max_age: Option<String>,
}

/// The browser's own login session, from its cookie.
#[derive(Debug, Clone)]
pub struct BrowserSession {
    pub emp_no: i32,
    pub sid: String,
    /// When its employee entered the password (unix seconds).
    pub auth_time: i64,
    /// How the employee authenticated to it.
    pub amr: Amr,
}

/// What the employee said on the consent page, if they were asked.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decision {
    NotAsked,
    Allow,
    Deny,
}

#[derive(Debug)]
pub enum AuthorizeOutcome {
    /// The client or its redirect URI is unknown: an error page, never a redirect.
    ErrorPage(&'static str),
    /// Back to the client: a code, or an error (with `state` and `iss` in both cases).
    Redirect(String),
    /// The browser must log in (again, when `fresh`), then come back.
    Login { fresh: bool },
    /// Ask the employee whether the client may have these scopes.
    Consent { client_name: String, scope: Grant },
}

/// The longest `nonce` kept (it goes into the ID token).
const MAX_NONCE: usize = 255;

/// RFC 7636 §4.2: 43 characters of base64url (the SHA-256 of a verifier).
fn valid_challenge(challenge: &str) -> bool {
    challenge.len() == 43
        && challenge
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

impl OidcService {
    /// Answers an authorization request; `decision` is what the consent page said, when it
    /// was shown.
    #[tracing::instrument(skip_all, fields(client_id = params.client_id.as_deref()))]
    pub async fn authorize(
        &self,
        client: Option<&Client>,
        params: &AuthorizeParams,
        browser: Option<&BrowserSession>,
        decision: Decision,
    ) -> Result<AuthorizeOutcome, Error> {
        let Some(client) = client else {
            return Ok(AuthorizeOutcome::ErrorPage("Unknown client"));
        };
        let Some(redirect_uri) = params
            .redirect_uri
            .as_deref()
            .filter(|uri| client.has_redirect_uri(uri))
        else {
            return Ok(AuthorizeOutcome::ErrorPage(
                "The redirect URI is not registered for this client",
            ));
        };
        let back = Back {
            redirect_uri,
            state: params.state.as_deref(),
            issuer: self.jwt.issuer(),
        };
        if params.response_type.as_deref() != Some("code") {
            return Ok(back.error(
                "unsupported_response_type",
                "Only response_type=code is supported",
            ));
        }
        if !client.allows_grant(GrantType::AuthorizationCode) {
            return Ok(back.error(
                "unauthorized_client",
                "This client may not use the code flow",
            ));
        }
        if params.code_challenge_method.as_deref() != Some("S256") {
            return Ok(back.error(
                "invalid_request",
                "PKCE is required: code_challenge_method=S256",
            ));
        }
        let Some(challenge) = params
            .code_challenge
            .as_deref()
            .filter(|c| valid_challenge(c))
        else {
            return Ok(back.error(
                "invalid_request",
                "code_challenge must be 43 base64url characters",
            ));
        };
        let asked = match Grant::parse(params.scope.as_deref().unwrap_or_default()) {
            Ok(asked) if asked != Grant::default() => asked,
            Ok(_) => return Ok(back.error("invalid_scope", "scope is required")),
            Err(_) => return Ok(back.error("invalid_scope", "An unknown scope was requested")),
        };
        let prompts: Vec<&str> = params
            .prompt
            .as_deref()
            .unwrap_or_default()
            .split_ascii_whitespace()
            .collect();
        let prompt_none = prompts.contains(&"none");
        if prompt_none && prompts.len() > 1 {
            return Ok(back.error("invalid_request", "prompt=none cannot be combined"));
        }
        let max_age = match params.max_age.as_deref().map(str::parse::<u32>) {
            None => None,
            Some(Ok(seconds)) => Some(i64::from(seconds)),
            Some(Err(_)) => {
                return Ok(back.error("invalid_request", "max_age must be a number of seconds"));
            }
        };
        if params
            .nonce
            .as_deref()
            .is_some_and(|nonce| nonce.len() > MAX_NONCE)
        {
            return Ok(back.error("invalid_request", "nonce is too long"));
        }
        let now = self.now();
        let Some(browser) = browser else {
            return Ok(match prompt_none {
                true => back.error("login_required", "The employee is not logged in"),
                false => AuthorizeOutcome::Login { fresh: false },
            });
        };
        let too_old = max_age.is_some_and(|max_age| now - browser.auth_time > max_age);
        if prompts.contains(&"login") || too_old {
            return Ok(match prompt_none {
                true => back.error("login_required", "A fresh login is required"),
                false => AuthorizeOutcome::Login { fresh: true },
            });
        }
        let allowed = Grant::from_claim(&client.allowed_scopes.join(" "));
        let roles_held = scopes_of(&roles::held(&self.db, browser.emp_no).await?);
        let mut held = Grant::default().with_roles(roles_held);
        OidcScope::ALL
            .into_iter()
            .for_each(|scope| held.insert(scope));
        let scope = asked.intersect(allowed).intersect(held);
        if scope == Grant::default() {
            return Ok(back.error(
                "invalid_scope",
                "None of the requested scopes can be granted",
            ));
        }
        if client.consent {
            match decision {
                Decision::Deny => return Ok(back.error("access_denied", "The employee declined")),
                Decision::Allow => {
                    consents::record(&self.db, browser.emp_no, &client.client_id, scope, now)
                        .await?
                }
                Decision::NotAsked => {
                    let given = consents::find(&self.db, browser.emp_no, &client.client_id).await?;
                    let covered =
                        given.is_some_and(|given| Grant::from_claim(&given).covers(scope));
                    if prompts.contains(&"consent") || !covered {
                        return Ok(match prompt_none {
                            true => {
                                back.error("consent_required", "The employee has not consented")
                            }
                            false => AuthorizeOutcome::Consent {
                                client_name: client.name.clone(),
                                scope,
                            },
                        });
                    }
                }
            }
        }
        let code = random_token();
        let row = codes::CodeRow {
            code_hash: sha256_hex(&code),
            client_id: client.client_id.clone(),
            redirect_uri: redirect_uri.to_owned(),
            code_challenge: challenge.to_owned(),
            emp_no: browser.emp_no,
            scope: scope.to_claim(),
            nonce: params.nonce.clone(),
            auth_time: browser.auth_time,
            expires_at: now + CODE_LIFETIME.as_secs() as i64,
            redeemed_at: None,
            session_sid: None,
            amr: browser.amr.as_stored().to_owned(),
        };
        codes::insert(&self.db, &row).await?;
        tracing::info!(emp_no = browser.emp_no, "authorization code issued");
        Ok(back.with(&[("code", &code)]))
    }
}
