//! Refresh tokens by generation: a token names its session and the generation it was issued at,
//! sealed with an HMAC under a key derived from the token secret. Rotating writes no row (the
//! session's generation moves), yet every token a session ever had is still recognised, so a
//! spent one presented again, however old, ends the session (RFC 9700 §4.14.2). Forging one
//! needs the secret; knowing a `sid` (it is in every access token) is not enough.

use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};
use hmac::Mac;

use crate::service::cursor::mac;

/// Bytes of the HMAC kept in a token: 256 bits, as many as the random tokens before them.
const TAG_BYTES: usize = 32;
/// Longer values are refused before any work (ours are about 90 characters).
const MAX_TOKEN_CHARS: usize = 160;

/// The key that seals refresh tokens; every instance sharing the secret opens the others' tokens.
#[derive(Clone)]
pub struct RefreshKey([u8; 32]);

/// What a sealed refresh token says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sealed {
    pub sid: String,
    pub generation: i64,
}

impl RefreshKey {
    pub fn derive(secret: &[u8]) -> Self {
        let mut mac = mac(secret);
        mac.update(b"employees refresh token v2");
        RefreshKey(mac.finalize().into_bytes().into())
    }

    /// The token of `sid` at `generation`: `{sid}.{generation}.{tag}`.
    pub fn seal(&self, sid: &str, generation: i64) -> String {
        let body = format!("{sid}.{generation}");
        let tag = self.tag(&body).finalize().into_bytes();
        format!("{body}.{}", URL_SAFE_NO_PAD.encode(tag))
    }

    /// The session and generation of a token this key sealed; `None` for anything else (a
    /// token from before the generations, a forgery, a truncation).
    pub fn open(&self, token: &str) -> Option<Sealed> {
        if token.len() > MAX_TOKEN_CHARS {
            return None;
        }
        let (body, tag) = token.rsplit_once('.')?;
        let (sid, generation) = body.split_once('.')?;
        let tag = URL_SAFE_NO_PAD.decode(tag).ok()?;
        if tag.len() != TAG_BYTES {
            return None;
        }
        self.tag(body).verify_slice(&tag).ok()?;
        Some(Sealed {
            sid: sid.to_owned(),
            generation: generation.parse().ok()?,
        })
    }

    fn tag(&self, body: &str) -> hmac::Hmac<sha2::Sha256> {
        let mut mac = mac(&self.0);
        mac.update(body.as_bytes());
        mac
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sealed_tokens_open_and_forgeries_do_not() {
        let key = RefreshKey::derive(b"a secret of the tests");
        let token = key.seal("0123abcd", 7);
        let sealed = key.open(&token).expect("opens");
        assert_eq!(sealed.sid, "0123abcd");
        assert_eq!(sealed.generation, 7);
        // Another generation or session with the same tag, another key, a cut tag: nothing.
        let tag = token.rsplit_once('.').unwrap().1;
        assert_eq!(key.open(&format!("0123abcd.8.{tag}")), None);
        assert_eq!(key.open(&format!("0123abce.7.{tag}")), None);
        assert_eq!(RefreshKey::derive(b"another secret").open(&token), None);
        assert_eq!(key.open(&token[..token.len() - 2]), None);
        assert_eq!(key.open("no dots at all"), None);
        assert_eq!(key.open(&"a.1.".repeat(100)), None);
    }
}
