//! Registered OAuth clients (`oauth_clients`; `oauth_consents` go with them by cascade). Lists
//! are stored space separated: none of their items may hold a space (the domain's rules).

use crate::{
    db::{Db, Tx},
    dispatch,
    domain::client::{Client, GrantType, IdTokenAlg},
};

macro_rules! select_clients {
    ($rest:literal) => {
        concat!(
            "SELECT client_id, name, secret_hash, redirect_uris, post_logout_redirect_uris, ",
            "allowed_scopes, grant_types, consent, id_token_alg, created_at FROM oauth_clients ",
            $rest
        )
    };
}

/// A client as stored: with its secret's hash, which only the service reads.
#[derive(Debug, Clone)]
pub struct Stored {
    pub client: Client,
    /// SHA-256 of the secret, hex; `None` for a public client.
    pub secret_hash: Option<String>,
}

#[derive(sqlx::FromRow)]
struct Row {
    client_id: String,
    name: String,
    secret_hash: Option<String>,
    redirect_uris: String,
    post_logout_redirect_uris: String,
    allowed_scopes: String,
    grant_types: String,
    consent: bool,
    id_token_alg: String,
    created_at: i64,
}

fn words(list: &str) -> Vec<String> {
    list.split_ascii_whitespace().map(str::to_owned).collect()
}

fn joined<T: AsRef<str>>(items: &[T]) -> String {
    items
        .iter()
        .map(AsRef::as_ref)
        .collect::<Vec<_>>()
        .join(" ")
}

impl From<Row> for Stored {
    fn from(row: Row) -> Self {
        Stored {
            client: Client {
                confidential: row.secret_hash.is_some(),
                client_id: row.client_id,
                name: row.name,
                redirect_uris: words(&row.redirect_uris),
                post_logout_redirect_uris: words(&row.post_logout_redirect_uris),
                allowed_scopes: words(&row.allowed_scopes),
                // A name this build does not know (written by a newer one) allows nothing.
                grant_types: row
                    .grant_types
                    .split_ascii_whitespace()
                    .filter_map(GrantType::parse)
                    .collect(),
                consent: row.consent,
                id_token_alg: IdTokenAlg::parse(&row.id_token_alg).unwrap_or_default(),
                created_at: row.created_at,
            },
            secret_hash: row.secret_hash,
        }
    }
}

/// Writes a new client; a taken `client_id` is the database's unique violation.
pub async fn insert(tx: &mut Tx, client: &Client, secret_hash: Option<&str>) -> sqlx::Result<()> {
    let grants: Vec<&str> = client.grant_types.iter().map(|g| g.as_str()).collect();
    dispatch!(&mut *tx, tx => {
        sqlx::query(
            "INSERT INTO oauth_clients (client_id, name, secret_hash, redirect_uris, \
             post_logout_redirect_uris, allowed_scopes, grant_types, consent, id_token_alg, \
             created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        )
        .bind(&client.client_id)
        .bind(&client.name)
        .bind(secret_hash)
        .bind(joined(&client.redirect_uris))
        .bind(joined(&client.post_logout_redirect_uris))
        .bind(joined(&client.allowed_scopes))
        .bind(joined(&grants))
        .bind(client.consent)
        .bind(client.id_token_alg.as_str())
        .bind(client.created_at)
        .execute(&mut **tx)
        .await
        .map(drop)
    })
}

/// One client, with its secret's hash.
pub async fn find(db: &Db, client_id: &str) -> sqlx::Result<Option<Stored>> {
    let sql = select_clients!("WHERE client_id = ?");
    let row: Option<Row> = dispatch!(db, pool => {
        sqlx::query_as(sql).bind(client_id).fetch_optional(pool).await?
    });
    Ok(row.map(Stored::from))
}

/// Every client, by id.
pub async fn list(db: &Db) -> sqlx::Result<Vec<Client>> {
    let sql = select_clients!("ORDER BY client_id");
    let rows: Vec<Row> = dispatch!(db, pool => sqlx::query_as(sql).fetch_all(pool).await?);
    Ok(rows
        .into_iter()
        .map(|row| Stored::from(row).client)
        .collect())
}

/// Replaces a client's redirect URIs of both kinds (Swagger UI's follow PUBLIC_URL).
pub async fn set_redirect_uris(
    db: &Db,
    client_id: &str,
    redirect_uris: &[String],
    post_logout_redirect_uris: &[String],
) -> sqlx::Result<()> {
    dispatch!(db, pool => {
        sqlx::query(
            "UPDATE oauth_clients SET redirect_uris = ?, post_logout_redirect_uris = ? \
             WHERE client_id = ?",
        )
        .bind(joined(redirect_uris))
        .bind(joined(post_logout_redirect_uris))
        .bind(client_id)
        .execute(pool)
        .await
        .map(drop)
    })
}

/// Deletes a client (its consents by cascade), locking its row until the transaction ends;
/// `false` when there was none.
pub async fn delete(tx: &mut Tx, client_id: &str) -> sqlx::Result<bool> {
    let done = dispatch!(&mut *tx, tx => {
        sqlx::query("DELETE FROM oauth_clients WHERE client_id = ?")
            .bind(client_id)
            .execute(&mut **tx)
            .await?
            .rows_affected()
    });
    Ok(done > 0)
}
