//! Entity tags of an employee's current rows (department, title, salary, manager appointment):
//! strong tags, sealed with a key derived from the token secret, so that every instance computes
//! the same and no client can compute one. A caller who sees only the card gets a tag over the
//! card itself, under a key of its own: the rows' tag moves when the salary does, which would let
//! anyone with `directory` watch a colleague's pay change.

use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};
use hmac::{Hmac, Mac};
use sha2::Sha256;

use super::cursor::mac;
use crate::domain::{directory::Card, hr::CurrentRows};

/// The keys of the tags: one for the rows' tags, one for the cards'.
#[derive(Clone)]
pub struct EtagKey {
    rows: [u8; 32],
    cards: [u8; 32],
}

impl EtagKey {
    pub fn derive(secret: &[u8]) -> Self {
        let derive = |label: &[u8]| -> [u8; 32] {
            let mut mac = mac(secret);
            mac.update(label);
            mac.finalize().into_bytes().into()
        };
        EtagKey {
            rows: derive(b"employees entity tag v1"),
            // A key of its own: no card's tag is ever some rows' tag, so it passes no `If-Match`.
            cards: derive(b"employees card entity tag v1"),
        }
    }

    /// The tag of `emp_no` with these current rows, quoted as `ETag` sends it.
    pub fn tag(&self, emp_no: i32, rows: &CurrentRows) -> String {
        let mut mac = mac(&self.rows);
        mac.update(&emp_no.to_be_bytes());
        for row in &rows.0 {
            // Length-prefixed fields: no two row lists hash alike.
            let date = row.from_date.to_string();
            mac.update(&[row.spell as u8]);
            mac.update(&(row.value.len() as u64).to_be_bytes());
            mac.update(row.value.as_bytes());
            mac.update(date.as_bytes());
        }
        quoted(mac)
    }

    /// The tag of a card: over exactly what the card shows (its JSON), so that it moves with the
    /// card and with nothing else.
    pub fn card_tag(&self, card: &Card) -> String {
        let mut mac = mac(&self.cards);
        // A card of plain fields always serialises; were it not to, the tag would still be one.
        mac.update(&serde_json::to_vec(card).unwrap_or_default());
        quoted(mac)
    }
}

fn quoted(mac: Hmac<Sha256>) -> String {
    let tag = mac.finalize().into_bytes();
    format!("\"{}\"", URL_SAFE_NO_PAD.encode(&tag[..16]))
}

#[cfg(test)]
mod tests {
    use chrono::NaiveDate;

    use super::*;
    use crate::domain::hr::{CurrentRow, Spell};

    fn rows(salary: &str) -> CurrentRows {
        CurrentRows(vec![CurrentRow {
            spell: Spell::Salary,
            value: salary.to_owned(),
            from_date: NaiveDate::from_ymd_opt(2020, 1, 1).unwrap(),
        }])
    }

    #[test]
    fn tags_follow_the_rows_and_the_key() {
        let key = EtagKey::derive(b"secret");
        assert_eq!(key.tag(1, &rows("100")), key.tag(1, &rows("100")));
        assert_ne!(key.tag(1, &rows("100")), key.tag(1, &rows("101")));
        assert_ne!(key.tag(1, &rows("100")), key.tag(2, &rows("100")));
        assert_ne!(
            key.tag(1, &rows("100")),
            EtagKey::derive(b"other").tag(1, &rows("100"))
        );
        assert!(key.tag(1, &rows("100")).starts_with('"'));
    }

    #[test]
    fn card_tags_follow_the_card_only() {
        let key = EtagKey::derive(b"secret");
        let card = Card {
            emp_no: 1,
            first_name: "Ada".to_owned(),
            last_name: "Lovelace".to_owned(),
            email: None,
            department: None,
            title: Some("Engineer".to_owned()),
            manager: None,
            hire_date: NaiveDate::from_ymd_opt(2020, 1, 1).unwrap(),
            active: true,
        };
        let promoted = Card {
            title: Some("Senior Engineer".to_owned()),
            ..card.clone()
        };
        assert_eq!(key.card_tag(&card), key.card_tag(&card.clone()));
        assert_ne!(key.card_tag(&card), key.card_tag(&promoted));
        assert_ne!(
            key.card_tag(&card),
            EtagKey::derive(b"other").card_tag(&card)
        );
    }
}
