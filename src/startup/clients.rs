//! `employees clients …`: the client registry from the command line, through the same service
//! as `/admin/clients` (its rules, its audit entries with no actor).

use secrecy::ExposeSecret;

use crate::{
    clock::Clock,
    config::{ClientAddArgs, ClientsArgs, ClientsCommand},
    db::Db,
    domain::{client::NewClient, session::Origin},
    error::Error,
    service::clients::{ClientError, ClientService},
    telemetry::metrics::Metrics,
};

/// Runs one `clients` subcommand; its answer goes to stdout, for scripts to read.
pub async fn run(db: Db, args: ClientsArgs) -> Result<(), Error> {
    let service = ClientService::new(db, Clock::system(), Metrics::off());
    let origin = Origin::default();
    match args.command {
        ClientsCommand::Add(add) => {
            let registered = service
                .register(new_client(add), None, &origin)
                .await
                .map_err(refusal)?;
            println!("client_id: {}", registered.client_id);
            if let Some(secret) = registered.client_secret {
                println!("client_secret: {}", secret.expose_secret());
                eprintln!("The secret is shown this once and stored only as a hash: keep it now.");
            }
        }
        ClientsCommand::List => {
            for client in service.list().await? {
                let kind = match client.confidential {
                    true => "confidential",
                    false => "public",
                };
                let grants: Vec<&str> = client.grant_types.iter().map(|g| g.as_str()).collect();
                println!(
                    "{}\t{kind}\t{}\t{}\t{}\t{}",
                    client.client_id,
                    client.name,
                    client.redirect_uris.join(" "),
                    client.allowed_scopes.join(" "),
                    grants.join(" "),
                );
            }
        }
        ClientsCommand::Remove { client_id } => {
            let ended = match service.remove(&client_id, None, &origin).await {
                Err(ClientError::NotFound) => {
                    return Err(Error::BadRequest(format!("no client {client_id:?}")));
                }
                done => done.map_err(refusal)?,
            };
            println!("removed {client_id}; {ended} session(s) ended");
        }
    }
    Ok(())
}

fn new_client(add: ClientAddArgs) -> NewClient {
    NewClient {
        name: add.name,
        redirect_uris: add.redirect_uris,
        post_logout_redirect_uris: add.post_logout_redirect_uris,
        confidential: add.confidential,
        allowed_scopes: add.scopes,
        grant_types: add.grants,
        consent: add.consent,
        id_token_alg: add.id_token_alg,
    }
}

/// A refusal in the command line's words: the option at fault, not the API's field.
fn refusal(error: ClientError) -> Error {
    match error {
        ClientError::Invalid(rule) => {
            let option = match rule.field() {
                "name" => "--name",
                "redirect_uris" => "--redirect-uri",
                "post_logout_redirect_uris" => "--post-logout-redirect-uri",
                "allowed_scopes" => "--scope",
                "grant_types" => "--grant",
                _ => "--id-token-alg",
            };
            Error::BadRequest(format!("{option}: {rule}"))
        }
        ClientError::NotFound => Error::NotFound,
        ClientError::Internal(error) => error,
    }
}
