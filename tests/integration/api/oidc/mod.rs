//! The OpenID Provider from a relying party's side, in process: the code flow with PKCE, its
//! refusals, consent, logout and two instances. (The out-of-process relying parties, Authlib
//! and openid-client, are in `tests/oidc/`.)

pub mod codes;
pub mod consent;
pub mod discovery;
pub mod flow;
pub mod helpers;
pub mod logout;
pub mod refusals;
pub mod second_factor;
pub mod service_clients;
