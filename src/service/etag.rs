//! Entity tags of an employee's current rows (department, title, salary, manager appointment):
//! strong tags, sealed with a key derived from the token secret, so that a tag tells a caller who
//! sees only the card nothing about the salary behind it, and every instance computes the same.

use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};
use hmac::Mac;

use super::cursor::mac;
use crate::domain::hr::CurrentRows;

/// The key of the tags.
#[derive(Clone)]
pub struct EtagKey([u8; 32]);

impl EtagKey {
    pub fn derive(secret: &[u8]) -> Self {
        let mut mac = mac(secret);
        mac.update(b"employees entity tag v1");
        EtagKey(mac.finalize().into_bytes().into())
    }

    /// The tag of `emp_no` with these current rows, quoted as `ETag` sends it.
    pub fn tag(&self, emp_no: i32, rows: &CurrentRows) -> String {
        let mut mac = mac(&self.0);
        mac.update(&emp_no.to_be_bytes());
        for row in &rows.0 {
            // Length-prefixed fields: no two row lists hash alike.
            let date = row.from_date.to_string();
            mac.update(&[row.spell as u8]);
            mac.update(&(row.value.len() as u64).to_be_bytes());
            mac.update(row.value.as_bytes());
            mac.update(date.as_bytes());
        }
        let tag = mac.finalize().into_bytes();
        format!("\"{}\"", URL_SAFE_NO_PAD.encode(&tag[..16]))
    }
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
}
