//! The public client `swagger-ui`: Swagger UI's Authorize button offers the authorization code
//! flow with PKCE through it. Every start registers it, or moves its redirect URI to PUBLIC_URL.

use super::ClientService;
use crate::{
    domain::client::{Client, GrantType, IdTokenAlg, SWAGGER_UI, all_scopes},
    error::Error,
    repository::clients,
};

/// What [`ClientService::ensure_swagger_ui`] did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SwaggerUi {
    Created,
    /// PUBLIC_URL changed: the redirect URI follows it.
    Updated,
    Unchanged,
}

impl ClientService {
    /// Registers the public `swagger-ui` client (authorization code with PKCE from `/docs`,
    /// every scope, no consent), or moves its redirect URI to `public_url`'s: called at every
    /// start, by every instance.
    #[tracing::instrument(skip(self))]
    pub async fn ensure_swagger_ui(&self, public_url: &str) -> Result<SwaggerUi, Error> {
        let redirect = vec![format!("{public_url}/docs/oauth2-redirect.html")];
        let logout = vec![format!("{public_url}/docs")];
        let done = match clients::find(&self.db, SWAGGER_UI).await? {
            Some(stored)
                if stored.client.redirect_uris == redirect
                    && stored.client.post_logout_redirect_uris == logout =>
            {
                SwaggerUi::Unchanged
            }
            Some(_) => {
                clients::set_redirect_uris(&self.db, SWAGGER_UI, &redirect, &logout).await?;
                SwaggerUi::Updated
            }
            None => {
                let client = Client {
                    client_id: SWAGGER_UI.to_owned(),
                    name: "Swagger UI".to_owned(),
                    confidential: false,
                    redirect_uris: redirect,
                    post_logout_redirect_uris: logout,
                    allowed_scopes: all_scopes(),
                    grant_types: vec![GrantType::AuthorizationCode, GrantType::RefreshToken],
                    consent: false,
                    id_token_alg: IdTokenAlg::Es256,
                    created_at: self.clock.now(),
                };
                let mut tx = self.db.begin().await?;
                match clients::insert(&mut tx, &client, None).await {
                    Ok(()) => tx.commit().await?,
                    // Another instance starting at once registered it first.
                    Err(sqlx::Error::Database(error)) if error.is_unique_violation() => {
                        return Ok(SwaggerUi::Unchanged);
                    }
                    Err(error) => return Err(error.into()),
                }
                SwaggerUi::Created
            }
        };
        if done != SwaggerUi::Unchanged {
            tracing::info!(?done, "swagger-ui client registered for {public_url}");
        }
        Ok(done)
    }
}
