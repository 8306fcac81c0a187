//! The way back to a client from `/authorize`: its registered redirect URI with the answer's
//! parameters, `state`, and RFC 9207's `iss` on every answer (a code or an error).

use super::authorize::AuthorizeOutcome;

/// Where a client is sent back to, with `state` and RFC 9207's `iss` on every answer.
pub(super) struct Back<'a> {
    pub redirect_uri: &'a str,
    pub state: Option<&'a str>,
    pub issuer: &'a str,
}

impl Back<'_> {
    pub fn with(&self, pairs: &[(&str, &str)]) -> AuthorizeOutcome {
        let mut url = match url::Url::parse(self.redirect_uri) {
            Ok(url) => url,
            Err(_) => return AuthorizeOutcome::ErrorPage("The redirect URI is not valid"),
        };
        {
            let mut query = url.query_pairs_mut();
            for (name, value) in pairs {
                query.append_pair(name, value);
            }
            if let Some(state) = self.state {
                query.append_pair("state", state);
            }
            query.append_pair("iss", self.issuer);
        }
        AuthorizeOutcome::Redirect(url.into())
    }

    pub fn error(&self, error: &str, description: &str) -> AuthorizeOutcome {
        self.with(&[("error", error), ("error_description", description)])
    }
}
