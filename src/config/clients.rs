//! `employees clients add|list|remove`: the registered OAuth clients, from the command line.

use clap::{Args, Subcommand};

use crate::domain::client::{GrantType, IdTokenAlg};

#[derive(Args, Debug, Clone)]
pub struct ClientsArgs {
    #[command(subcommand)]
    pub command: ClientsCommand,
}

#[derive(Subcommand, Debug, Clone)]
pub enum ClientsCommand {
    /// Register a client; prints its client_id and, for a confidential client, its secret
    /// (shown this once).
    Add(ClientAddArgs),
    /// List the registered clients (never a secret).
    List,
    /// Delete a client: every session started for it ends.
    Remove {
        /// The client's id, as `list` shows it.
        client_id: String,
    },
}

#[derive(Args, Debug, Clone)]
pub struct ClientAddArgs {
    /// What the consent page calls the client.
    #[arg(long)]
    pub name: String,
    /// An absolute URL the browser may be sent back to with a code (repeatable): `https`, or
    /// `http` on 127.0.0.1, [::1] or localhost; no fragment. Compared exactly.
    #[arg(long = "redirect-uri")]
    pub redirect_uris: Vec<String>,
    /// Where RP-initiated logout may send the browser back to (repeatable; same rule).
    #[arg(long = "post-logout-redirect-uri")]
    pub post_logout_redirect_uris: Vec<String>,
    /// A server-side application that can keep a secret (gets one); public otherwise.
    #[arg(long)]
    pub confidential: bool,
    /// A scope the client may ask for (repeatable): openid, profile, email, offline_access, me,
    /// directory, manager, hr, admin.
    #[arg(long = "scope", required = true)]
    pub scopes: Vec<String>,
    /// A grant the client may use (repeatable): authorization_code (the default),
    /// refresh_token, client_credentials (confidential clients only), password.
    #[arg(long = "grant", value_parser = grant, default_value = "authorization_code")]
    pub grants: Vec<GrantType>,
    /// Ask each employee once before the first code.
    #[arg(long)]
    pub consent: bool,
    /// How the client's ID tokens are signed: ES256 or RS256.
    #[arg(long, value_parser = id_token_alg, default_value = "ES256")]
    pub id_token_alg: IdTokenAlg,
}

fn grant(name: &str) -> Result<GrantType, String> {
    GrantType::parse(name).ok_or_else(|| {
        "one of authorization_code, refresh_token, client_credentials, password".to_owned()
    })
}

fn id_token_alg(name: &str) -> Result<IdTokenAlg, String> {
    IdTokenAlg::parse(name).ok_or_else(|| "ES256 or RS256".to_owned())
}
