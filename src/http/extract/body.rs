//! JSON bodies of the changes, read field by field so that a refusal names every field that is
//! missing or malformed (`422`, the contract's `errors` list), not just the first serde stumbled on.

use axum::{Json, extract::rejection::JsonRejection};
use chrono::NaiveDate;
use secrecy::SecretString;
use serde_json::{Map, Value};
use sha2::{Digest, Sha256};

use crate::{
    domain::{self, directory::canonical_dept_no},
    error::{Error, FieldError},
};

/// A JSON object's fields, and the errors found reading them.
pub struct Fields {
    map: Map<String, Value>,
    errors: Vec<FieldError>,
}

impl Fields {
    /// A hash of the body (SHA-256 of its JSON with keys in order, hex): the same request, however
    /// its keys and spaces were laid out, hashes alike (`Idempotency-Key`). A `password` field is
    /// left out: a fast hash of it would be a way to guess it for whoever reads the database.
    pub fn hash(&self) -> String {
        let mut map = self.map.clone();
        map.remove("password");
        let canonical = Value::Object(map).to_string();
        Sha256::digest(canonical.as_bytes())
            .iter()
            .map(|byte| format!("{byte:02x}"))
            .collect()
    }
}

impl Fields {
    /// The body as an object; anything else (not JSON, not an object) is `422` naming `body`.
    pub fn of(body: Result<Json<Value>, JsonRejection>) -> Result<Self, Error> {
        let refused = |message: &str| {
            Error::InvalidBody(vec![FieldError {
                field: "body".to_owned(),
                message: message.to_owned(),
            }])
        };
        match body {
            Ok(Json(Value::Object(map))) => Ok(Self {
                map,
                errors: Vec::new(),
            }),
            Ok(_) => Err(refused("a JSON object is needed")),
            Err(JsonRejection::MissingJsonContentType(_)) => {
                Err(refused("Content-Type: application/json is needed"))
            }
            Err(_) => Err(refused("not valid JSON")),
        }
    }

    fn refuse(&mut self, field: &str, message: &str) {
        self.errors.push(FieldError {
            field: field.to_owned(),
            message: message.to_owned(),
        });
    }

    fn string(&mut self, field: &str) -> Option<String> {
        match self.map.get(field) {
            Some(Value::String(text)) => Some(text.clone()),
            None | Some(Value::Null) => {
                self.refuse(field, "is required");
                None
            }
            Some(_) => {
                self.refuse(field, "must be a string");
                None
            }
        }
    }

    /// An ISO date (`YYYY-MM-DD`) from 1900-01-01 to 9999-12-31 ([`domain::date_in_range`]: a
    /// year such as `-0001` or `0000` would be stored, or fail to bind).
    pub fn date(&mut self, field: &str) -> Option<NaiveDate> {
        let text = self.string(field)?;
        let date = NaiveDate::parse_from_str(&text, "%Y-%m-%d")
            .ok()
            .filter(|date| domain::date_in_range(*date));
        if date.is_none() {
            self.refuse(
                field,
                "must be an ISO date (YYYY-MM-DD) from 1900-01-01 to 9999-12-31",
            );
        }
        date
    }

    /// Text of 1 to `max` characters, trimmed, without control characters
    /// ([`domain::is_plain_text`]): names and titles are shown and exported as they are stored.
    pub fn text(&mut self, field: &str, max: usize) -> Option<String> {
        let text = self.string(field)?.trim().to_owned();
        if text.is_empty() || text.chars().count() > max {
            self.refuse(field, &format!("must be 1 to {max} characters"));
            return None;
        }
        if !domain::is_plain_text(&text) {
            self.refuse(field, "must not contain control characters");
            return None;
        }
        Some(text)
    }

    /// One of `choices`, exactly.
    pub fn one_of(&mut self, field: &str, choices: &[&str]) -> Option<String> {
        let text = self.string(field)?;
        if !choices.contains(&text.as_str()) {
            self.refuse(field, &format!("must be one of {}", choices.join(", ")));
            return None;
        }
        Some(text)
    }

    /// A password as typed (not empty), to be checked against a stored one.
    pub fn secret(&mut self, field: &str) -> Option<SecretString> {
        let text = self.string(field)?;
        if text.is_empty() {
            self.refuse(field, "is required");
            return None;
        }
        Some(SecretString::from(text))
    }

    /// A new password: 8 to 72 bytes (bcrypt reads no more).
    pub fn password(&mut self, field: &str) -> Option<SecretString> {
        let text = self.string(field)?;
        if !(8..=72).contains(&text.len()) {
            self.refuse(field, "must be 8 to 72 bytes");
            return None;
        }
        Some(SecretString::from(text))
    }

    /// An optional email: absent or null is `Some(None)`; else an address by
    /// [`domain::is_email`]'s rule (surrounding spaces trimmed).
    pub fn optional_email(&mut self, field: &str) -> Option<Option<String>> {
        if matches!(self.map.get(field), None | Some(Value::Null)) {
            return Some(None);
        }
        let text = self.string(field)?.trim().to_owned();
        if !domain::is_email(&text) {
            self.refuse(
                field,
                "must be an email address such as ada.lovelace@example.com",
            );
            return None;
        }
        Some(Some(text))
    }

    /// A list of strings (possibly empty).
    pub fn strings(&mut self, field: &str) -> Option<Vec<String>> {
        let items = match self.map.get(field) {
            Some(Value::Array(items)) => items,
            None | Some(Value::Null) => {
                self.refuse(field, "is required");
                return None;
            }
            Some(_) => {
                self.refuse(field, "must be a list of strings");
                return None;
            }
        };
        let strings: Option<Vec<String>> = items
            .iter()
            .map(|item| item.as_str().map(str::to_owned))
            .collect();
        if strings.is_none() {
            self.refuse(field, "must be a list of strings");
        }
        strings
    }

    /// Whether the field is absent or null: an optional field left to its default.
    pub fn is_absent(&self, field: &str) -> bool {
        matches!(self.map.get(field), None | Some(Value::Null))
    }

    /// A boolean; absent or null is `default`.
    pub fn flag(&mut self, field: &str, default: bool) -> Option<bool> {
        match self.map.get(field) {
            None | Some(Value::Null) => Some(default),
            Some(Value::Bool(value)) => Some(*value),
            Some(_) => {
                self.refuse(field, "must be true or false");
                None
            }
        }
    }

    /// Refuses a field that was read well on its own but not with the others.
    pub fn refuse_field(&mut self, field: &str, message: &str) {
        self.refuse(field, message);
    }

    /// A department number: `d` and three digits, in any case, read as test_db stores it
    /// ([`canonical_dept_no`]).
    pub fn dept_no(&mut self, field: &str) -> Option<String> {
        let text = self.string(field)?;
        let dept_no = canonical_dept_no(&text);
        if dept_no.is_none() {
            self.refuse(field, "must be a department number like d005");
        }
        dept_no
    }

    /// A whole number from 1 to `i32::MAX`.
    pub fn positive(&mut self, field: &str) -> Option<i32> {
        let value = match self.map.get(field) {
            None | Some(Value::Null) => {
                self.refuse(field, "is required");
                return None;
            }
            Some(value) => value.as_i64().and_then(|n| i32::try_from(n).ok()),
        };
        match value {
            Some(n) if n > 0 => Some(n),
            _ => {
                self.refuse(field, "must be a whole number above 0");
                None
            }
        }
    }

    /// `422` naming each field that was missing or malformed (all of them, read first).
    pub fn refused(self) -> Error {
        Error::InvalidBody(self.errors)
    }
}
