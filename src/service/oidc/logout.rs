//! RP-Initiated Logout 1.0: `GET /logout` with `id_token_hint`, `post_logout_redirect_uri`
//! (registered for the hint's client, exactly) and `state`. The session the hint names ends, and
//! the browser's own; a hint signed by a retired key still counts. A URI that cannot be
//! trusted gets an error page, never a redirect.

use serde::Deserialize;

use super::{IdClaims, OidcService};
use crate::{domain::client::Client, domain::session::Origin, error::Error};

#[derive(Debug, Default, Clone, Deserialize)]
pub struct LogoutParams {
    pub id_token_hint: Option<String>,
    pub post_logout_redirect_uri: Option<String>,
    pub state: Option<String>,
    pub client_id: Option<String>,
}

#[derive(Debug)]
pub enum LogoutOutcome {
    ErrorPage(&'static str),
    /// Ended; back to the client.
    Redirect(String),
    /// Ended; no client to go back to.
    LoggedOut,
}

impl OidcService {
    /// Ends the sessions; `hint` is the verified `id_token_hint` (`None`: absent), `client` the
    /// client it (or `client_id`) names, `browser` the sid of the browser's own session.
    #[tracing::instrument(skip_all)]
    pub async fn end_session(
        &self,
        params: &LogoutParams,
        hint: Option<&IdClaims>,
        client: Option<&Client>,
        browser: Option<(&str, i32)>,
        origin: &Origin,
    ) -> Result<LogoutOutcome, Error> {
        if let (Some(hint), Some(client_id)) = (hint, params.client_id.as_deref())
            && hint.aud != client_id
        {
            return Ok(LogoutOutcome::ErrorPage(
                "client_id is not the hint's audience",
            ));
        }
        let redirect = match params.post_logout_redirect_uri.as_deref() {
            None => None,
            Some(uri) => match client {
                Some(client)
                    if client
                        .post_logout_redirect_uris
                        .iter()
                        .any(|known| known == uri) =>
                {
                    Some(uri)
                }
                Some(_) => {
                    return Ok(LogoutOutcome::ErrorPage(
                        "post_logout_redirect_uri is not registered for this client",
                    ));
                }
                None => {
                    return Ok(LogoutOutcome::ErrorPage(
                        "post_logout_redirect_uri needs an id_token_hint or a client_id",
                    ));
                }
            },
        };
        if let Some(hint) = hint {
            let owner = hint.sub.parse::<i32>().ok();
            if owner.is_some() {
                self.sessions
                    .end(&hint.sid, owner, owner, origin, "rp logout")
                    .await?;
            }
        }
        if let Some((sid, emp_no)) = browser {
            self.sessions
                .end(sid, Some(emp_no), Some(emp_no), origin, "logout")
                .await?;
        }
        let Some(uri) = redirect else {
            return Ok(LogoutOutcome::LoggedOut);
        };
        let Ok(mut url) = url::Url::parse(uri) else {
            return Ok(LogoutOutcome::ErrorPage(
                "post_logout_redirect_uri is not valid",
            ));
        };
        if let Some(state) = params.state.as_deref() {
            url.query_pairs_mut().append_pair("state", state);
        }
        Ok(LogoutOutcome::Redirect(url.into()))
    }
}
