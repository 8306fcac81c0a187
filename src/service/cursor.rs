//! Opaque, tamper-evident paging cursors. A cursor carries the sort key of the last row shown,
//! sealed with an HMAC over that key and the search it belongs to: a cursor that was changed, or
//! that is replayed against another search, does not open (a clean `400`, never another page).

use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};
use hmac::{Hmac, KeyInit, Mac};
use sha2::Sha256;

use crate::domain::directory::SortKey;

/// Bytes of the HMAC kept in a cursor: 128 bits are plenty against forgery, and keep URLs short.
const TAG_BYTES: usize = 16;
/// Longer cursors are refused before decoding (ours are well under 200 characters).
const MAX_CURSOR_CHARS: usize = 512;

/// The key that seals cursors, derived from the token secret so that every instance sharing the
/// secret opens every other instance's cursors.
#[derive(Clone)]
pub struct CursorKey([u8; 32]);

impl CursorKey {
    pub fn derive(secret: &[u8]) -> Self {
        let mut mac = mac(secret);
        mac.update(b"employees paging cursor v1");
        CursorKey(mac.finalize().into_bytes().into())
    }

    /// The cursor that continues `search` after `key`.
    pub fn seal(&self, key: &SortKey, search: &str) -> String {
        let payload =
            serde_json::to_vec(&(&key.last_name, &key.first_name, key.emp_no)).unwrap_or_default();
        self.seal_payload(&payload, search)
    }

    /// The cursor that continues a listing by id (the audit trail) after `id`.
    pub fn seal_id(&self, id: i64, listing: &str) -> String {
        self.seal_payload(id.to_string().as_bytes(), listing)
    }

    /// The id of a cursor sealed by [`CursorKey::seal_id`] for the same listing.
    pub fn open_id(&self, cursor: &str, listing: &str) -> Option<i64> {
        std::str::from_utf8(&self.open_payload(cursor, listing)?)
            .ok()?
            .parse()
            .ok()
    }

    fn seal_payload(&self, payload: &[u8], search: &str) -> String {
        let tag = self.tag(payload, search).finalize().into_bytes();
        format!(
            "{}.{}",
            URL_SAFE_NO_PAD.encode(payload),
            URL_SAFE_NO_PAD.encode(&tag[..TAG_BYTES])
        )
    }

    /// The sort key of a cursor sealed by [`CursorKey::seal`] for the same search; `None` for
    /// anything else.
    pub fn open(&self, cursor: &str, search: &str) -> Option<SortKey> {
        let payload = self.open_payload(cursor, search)?;
        let (last_name, first_name, emp_no): (String, String, i32) =
            serde_json::from_slice(&payload).ok()?;
        Some(SortKey {
            last_name,
            first_name,
            emp_no,
        })
    }

    /// The payload of a cursor whose tag holds for `search`.
    fn open_payload(&self, cursor: &str, search: &str) -> Option<Vec<u8>> {
        if cursor.len() > MAX_CURSOR_CHARS {
            return None;
        }
        let (payload, tag) = cursor.split_once('.')?;
        let payload = URL_SAFE_NO_PAD.decode(payload).ok()?;
        let tag = URL_SAFE_NO_PAD.decode(tag).ok()?;
        if tag.len() != TAG_BYTES {
            return None;
        }
        self.tag(&payload, search)
            .verify_truncated_left(&tag)
            .ok()?;
        Some(payload)
    }

    fn tag(&self, payload: &[u8], search: &str) -> Hmac<Sha256> {
        let mut mac = mac(&self.0);
        // Length-prefixed, so that no payload/search pair can pass for another.
        mac.update(&(search.len() as u64).to_be_bytes());
        mac.update(search.as_bytes());
        mac.update(payload);
        mac
    }
}

pub(crate) fn mac(key: &[u8]) -> Hmac<Sha256> {
    // HMAC takes a key of any length.
    <Hmac<Sha256> as KeyInit>::new_from_slice(key).expect("HMAC accepts every key length")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key() -> SortKey {
        SortKey {
            last_name: "Facello".into(),
            first_name: "Georgi".into(),
            emp_no: 10001,
        }
    }

    #[test]
    fn a_sealed_cursor_opens_for_its_own_search_only() {
        let cursors = CursorKey::derive(b"secret");
        let cursor = cursors.seal(&key(), "q=fac");
        assert_eq!(cursors.open(&cursor, "q=fac"), Some(key()));
        assert_eq!(cursors.open(&cursor, "q=geo"), None);
        assert_eq!(CursorKey::derive(b"other").open(&cursor, "q=fac"), None);
    }

    #[test]
    fn any_changed_character_is_refused() {
        let cursors = CursorKey::derive(b"secret");
        let cursor = cursors.seal(&key(), "");
        for i in 0..cursor.len() {
            let mut bytes = cursor.clone().into_bytes();
            bytes[i] = if bytes[i] == b'A' { b'B' } else { b'A' };
            let changed = String::from_utf8(bytes).unwrap();
            if changed != cursor {
                assert_eq!(cursors.open(&changed, ""), None, "changed at {i}");
            }
        }
        for junk in ["", ".", "abc", "a.b.c", &"x".repeat(600)] {
            assert_eq!(cursors.open(junk, ""), None);
        }
    }
}
