//! Where the sender hands messages: an SMTP server (lettre's async transport: `smtp://`,
//! `smtps://`, STARTTLS with `?tls=required`), or `.eml` files in a folder when no server is
//! configured. Neither ever logs a message's body (a reset link is a password).

use std::{path::PathBuf, time::Duration};

use lettre::{AsyncFileTransport, AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use secrecy::ExposeSecret;

use crate::config::{MailTarget, redacted_smtp_url};

/// How long one SMTP delivery may take (connection, TLS and dialogue): well within a claim's
/// lease, so that no other instance takes the message over while it is still being sent.
pub const SMTP_TIMEOUT: Duration = Duration::from_secs(30);

/// A transport that could not be made from the configuration.
#[derive(Debug, thiserror::Error)]
pub enum TransportError {
    #[error("SMTP_URL cannot be used: {0}")]
    SmtpUrl(String),
    #[error("MAIL_DIR {0} cannot be made: {1}")]
    MailDir(String, std::io::Error),
}

/// Why one delivery failed.
#[derive(Debug)]
pub struct Failure {
    /// The server refused for good (5xx): trying again would not help.
    pub permanent: bool,
    /// What failed, for the outbox and the log (never the message).
    pub reason: String,
}

pub enum Mailer {
    Smtp {
        transport: AsyncSmtpTransport<Tokio1Executor>,
        /// The server without credentials, for the log.
        server: String,
    },
    Files {
        transport: AsyncFileTransport<Tokio1Executor>,
        dir: PathBuf,
    },
}

impl Mailer {
    /// The transport `target` names; MAIL_DIR is made if it is missing.
    pub fn new(target: &MailTarget) -> Result<Self, TransportError> {
        match target {
            MailTarget::Smtp(url) => {
                let transport = AsyncSmtpTransport::<Tokio1Executor>::from_url(url.expose_secret())
                    .map_err(|error| TransportError::SmtpUrl(error.to_string()))?
                    .timeout(Some(SMTP_TIMEOUT))
                    .build();
                Ok(Self::Smtp {
                    transport,
                    server: redacted_smtp_url(url.expose_secret()),
                })
            }
            MailTarget::Files(dir) => {
                std::fs::create_dir_all(dir)
                    .map_err(|error| TransportError::MailDir(dir.display().to_string(), error))?;
                Ok(Self::Files {
                    transport: AsyncFileTransport::<Tokio1Executor>::new(dir),
                    dir: dir.clone(),
                })
            }
        }
    }

    /// Whether messages are kept as files (read by people) rather than sent.
    pub fn keeps_text_as_written(&self) -> bool {
        matches!(self, Self::Files { .. })
    }

    /// Where messages go, for the log.
    pub fn describe(&self) -> String {
        match self {
            Self::Smtp { server, .. } => format!("SMTP server {server}"),
            Self::Files { dir, .. } => format!("files in {}", dir.display()),
        }
    }

    /// Hands one message over; says where it went (the server, or the file written).
    pub async fn send(&self, message: Message) -> Result<String, Failure> {
        match self {
            Self::Smtp { transport, server } => match transport.send(message).await {
                Ok(_) => Ok(server.clone()),
                Err(error) => Err(Failure {
                    permanent: error.is_permanent(),
                    reason: error.to_string(),
                }),
            },
            Self::Files { transport, dir } => match transport.send(message).await {
                Ok(id) => Ok(dir.join(format!("{id}.eml")).display().to_string()),
                Err(error) => Err(Failure {
                    permanent: false,
                    reason: error.to_string(),
                }),
            },
        }
    }
}
