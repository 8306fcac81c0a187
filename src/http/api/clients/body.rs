//! The bodies of `/admin/clients`: the registration as asked for (read field by field, so that
//! every bad field is named) and the client as answered (never its secret).

use chrono::{DateTime, SecondsFormat};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::{
    domain::client::{Client, GrantType, IdTokenAlg, NewClient},
    error::Error,
    http::extract::body::Fields,
};

/// A registration. `post_logout_redirect_uris`, `confidential`, `consent` and
/// `id_token_signed_response_alg` may be left out (empty, false, false, ES256).
#[derive(Deserialize, ToSchema)]
pub struct ClientRequest {
    /// 1 to 100 characters, shown on the consent page.
    #[schema(example = "Payroll portal", max_length = 100)]
    pub name: String,
    /// Absolute URLs, compared exactly: `https`, or `http` on 127.0.0.1, [::1] or localhost; no
    /// fragment. At least one with `authorization_code`.
    #[schema(example = json!(["https://payroll.example.com/callback"]))]
    pub redirect_uris: Vec<String>,
    /// Where RP-initiated logout may send the browser back to (same rule).
    #[schema(example = json!(["https://payroll.example.com/"]))]
    pub post_logout_redirect_uris: Option<Vec<String>>,
    /// Gets a secret (and must present it); a public client (a browser or native app) has none.
    #[schema(example = true)]
    pub confidential: Option<bool>,
    /// Of `openid`, `profile`, `email`, `offline_access`, `me`, `directory`, `manager`, `hr`,
    /// `admin`.
    #[schema(example = json!(["openid", "profile", "email", "directory"]))]
    pub allowed_scopes: Vec<String>,
    /// Of `authorization_code`, `refresh_token`, `client_credentials` (confidential clients
    /// only), `password`.
    #[schema(example = json!(["authorization_code", "refresh_token"]))]
    pub grant_types: Vec<String>,
    /// Ask each employee once before the first code.
    #[schema(example = false)]
    pub consent: Option<bool>,
    #[schema(example = "ES256", pattern = "^(ES256|RS256)$")]
    pub id_token_signed_response_alg: Option<String>,
}

/// A registered client's credentials: the secret is shown this once.
#[derive(Serialize, ToSchema)]
pub struct RegisteredBody {
    #[schema(example = "0b5d3f6c2a8e4f1b9c7d5e3a1f2b4c6d")]
    pub client_id: String,
    /// `null` for a public client. Not stored: keep it now.
    #[schema(example = "q3V0a9J8dXk2bW5vcHFyc3R1dnd4eXoxMjM0NTY3OA")]
    pub client_secret: Option<String>,
}

/// A registered client (never its secret).
#[derive(Serialize, ToSchema)]
pub struct ClientBody {
    #[schema(example = "0b5d3f6c2a8e4f1b9c7d5e3a1f2b4c6d")]
    pub client_id: String,
    #[schema(example = "Payroll portal")]
    pub name: String,
    pub confidential: bool,
    #[schema(example = json!(["https://payroll.example.com/callback"]))]
    pub redirect_uris: Vec<String>,
    #[schema(example = json!(["https://payroll.example.com/"]))]
    pub post_logout_redirect_uris: Vec<String>,
    #[schema(example = json!(["openid", "profile", "email", "directory"]))]
    pub allowed_scopes: Vec<String>,
    #[schema(example = json!(["authorization_code", "refresh_token"]))]
    pub grant_types: Vec<String>,
    pub consent: bool,
    #[schema(example = "ES256")]
    pub id_token_signed_response_alg: String,
    /// RFC 3339.
    #[schema(example = "2026-12-08T09:30:00Z")]
    pub created_at: String,
}

impl From<Client> for ClientBody {
    fn from(client: Client) -> Self {
        Self {
            client_id: client.client_id,
            name: client.name,
            confidential: client.confidential,
            redirect_uris: client.redirect_uris,
            post_logout_redirect_uris: client.post_logout_redirect_uris,
            allowed_scopes: client.allowed_scopes,
            grant_types: client.grant_types.iter().map(|g| g.to_string()).collect(),
            consent: client.consent,
            id_token_signed_response_alg: client.id_token_alg.as_str().to_owned(),
            created_at: DateTime::from_timestamp(client.created_at, 0)
                .unwrap_or_default()
                .to_rfc3339_opts(SecondsFormat::Secs, true),
        }
    }
}

/// The registration as the body gives it; the service checks its rules.
pub(super) fn read(mut fields: Fields) -> Result<NewClient, Error> {
    let name = fields.text("name", 100);
    let redirect_uris = fields.strings("redirect_uris");
    let post_logout = match fields.is_absent("post_logout_redirect_uris") {
        true => Some(Vec::new()),
        false => fields.strings("post_logout_redirect_uris"),
    };
    let confidential = fields.flag("confidential", false);
    let consent = fields.flag("consent", false);
    let allowed_scopes = fields.strings("allowed_scopes");
    let grant_types = fields.strings("grant_types").and_then(|names| {
        let grants: Option<Vec<GrantType>> = names.iter().map(|n| GrantType::parse(n)).collect();
        if grants.is_none() {
            fields.refuse_field(
                "grant_types",
                "each must be one of authorization_code, refresh_token, client_credentials, password",
            );
        }
        grants
    });
    let id_token_alg = match fields.is_absent("id_token_signed_response_alg") {
        true => Some(IdTokenAlg::default()),
        false => fields
            .one_of("id_token_signed_response_alg", &["ES256", "RS256"])
            .and_then(|name| IdTokenAlg::parse(&name)),
    };
    let (
        Some(name),
        Some(redirect_uris),
        Some(post_logout_redirect_uris),
        Some(confidential),
        Some(consent),
        Some(allowed_scopes),
        Some(grant_types),
        Some(id_token_alg),
    ) = (
        name,
        redirect_uris,
        post_logout,
        confidential,
        consent,
        allowed_scopes,
        grant_types,
        id_token_alg,
    )
    else {
        return Err(fields.refused());
    };
    Ok(NewClient {
        name,
        redirect_uris,
        post_logout_redirect_uris,
        confidential,
        allowed_scopes,
        grant_types,
        consent,
        id_token_alg,
    })
}
