//! Domain types: the rows of test_db as the seeders write them, and what the services read back.

pub mod amr;
pub mod audit;
pub mod client;
pub mod directory;
pub mod hr;
pub mod network;
pub mod oidc;
pub mod password;
pub mod redirect_uri;
pub mod scope;
pub mod session;

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// `to_date` of a current row in dept_emp, dept_manager, titles and salaries.
pub const CURRENT: NaiveDate = match NaiveDate::from_ymd_opt(9999, 1, 1) {
    Some(date) => date,
    None => panic!("9999-01-01 is a valid date"),
};

/// The first and last day a client may name (query filters, the dates of changes and hires):
/// years 1900 to 9999. chrono reads years far beyond either end (`-0001`, `+10000`), MySQL's DATE
/// holds 1000 to 9999 only (binding anything else fails, and in a query builder panics), and no
/// test_db row is older than 1952; so dates are refused at the edge, where the client can be told.
pub const FIRST_DATE: NaiveDate = match NaiveDate::from_ymd_opt(1900, 1, 1) {
    Some(date) => date,
    None => panic!("1900-01-01 is a valid date"),
};
/// See [`FIRST_DATE`].
pub const LAST_DATE: NaiveDate = match NaiveDate::from_ymd_opt(9999, 12, 31) {
    Some(date) => date,
    None => panic!("9999-12-31 is a valid date"),
};

/// Whether a client's date is one the service stores and compares: [`FIRST_DATE`] to
/// [`LAST_DATE`].
pub fn date_in_range(date: NaiveDate) -> bool {
    (FIRST_DATE..=LAST_DATE).contains(&date)
}

/// What a login needs to know about an email.
#[derive(Debug, Clone)]
pub struct Credentials {
    pub emp_no: i32,
    /// `None` for an employee that was never given a password (cannot log in).
    pub password_hash: Option<String>,
    /// Has a current dept_emp row. A former employee cannot obtain a token.
    pub active: bool,
}

/// An employee as `/users/me` returns it, with the current department and title.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema, sqlx::FromRow)]
pub struct Profile {
    #[schema(example = 500222)]
    pub emp_no: i32,
    #[schema(example = "behai_nguyen@hotmail.com")]
    pub email: Option<String>,
    #[schema(example = "Be Hai")]
    pub first_name: String,
    #[schema(example = "Nguyen")]
    pub last_name: String,
    /// `M` or `F`.
    #[schema(example = "M")]
    pub gender: String,
    pub birth_date: NaiveDate,
    pub hire_date: NaiveDate,
    /// Name of the current department; `null` for a former employee.
    #[schema(example = "Development")]
    pub department: Option<String>,
    /// Current title; `null` for a former employee.
    #[schema(example = "Senior Engineer")]
    pub title: Option<String>,
}

/// A logged-in employee: the profile and the roles held now.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Account {
    pub profile: Profile,
    pub roles: Vec<scope::Role>,
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct Department {
    pub dept_no: String,
    pub dept_name: String,
}

/// An `employees` row; `email` is stored lower case.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct Employee {
    pub emp_no: i32,
    pub birth_date: NaiveDate,
    pub first_name: String,
    pub last_name: String,
    pub gender: String,
    pub hire_date: NaiveDate,
    pub email: Option<String>,
}

/// A `dept_emp` or `dept_manager` row.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct DeptAssignment {
    pub emp_no: i32,
    pub dept_no: String,
    pub from_date: NaiveDate,
    pub to_date: NaiveDate,
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct Title {
    pub emp_no: i32,
    pub title: String,
    pub from_date: NaiveDate,
    pub to_date: Option<NaiveDate>,
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct Salary {
    pub emp_no: i32,
    pub salary: i32,
    pub from_date: NaiveDate,
    pub to_date: NaiveDate,
}

/// Rows for all six tables, as loaded from `seed/` or made by the generator.
#[derive(Debug, Clone, Default)]
pub struct Dataset {
    pub departments: Vec<Department>,
    pub employees: Vec<Employee>,
    pub dept_emp: Vec<DeptAssignment>,
    pub dept_manager: Vec<DeptAssignment>,
    pub titles: Vec<Title>,
    pub salaries: Vec<Salary>,
    /// Granted roles (`hr`, `admin`) of the seed accounts.
    pub roles: Vec<RoleGrant>,
}

/// An `employee_roles` row.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct RoleGrant {
    pub emp_no: i32,
    pub role: String,
}

/// What the statements that check a token need of it: its session, whose it is, and the moment
/// of the check (the session must be live then).
#[derive(Debug, Clone, Copy)]
pub struct TokenRef<'a> {
    pub sid: &'a str,
    pub emp_no: i32,
    /// Unix seconds, by the service's clock.
    pub now: i64,
}

/// The login email that test_db employees are given: `firstname.lastname.EMPNO@gmail.com`, lower
/// case, spaces dropped. The back-fill's SQL builds the same string.
pub fn default_email(first_name: &str, last_name: &str, emp_no: i32) -> String {
    format!("{first_name}.{last_name}.{emp_no}@gmail.com")
        .replace(' ', "")
        .to_lowercase()
}

/// Whether text a client writes into a record (a name, a title) is free of characters that are
/// not text: C0 and C1 controls (NUL, escape, newlines, DEL…), the Unicode line and paragraph
/// separators, and the bidirectional controls that reorder how the text around them is shown.
/// They would be stored and shown as they are: in pages, CSV, logs and other systems' screens.
pub fn is_plain_text(text: &str) -> bool {
    !text.chars().any(|c| {
        c.is_control()
            || matches!(
                c,
                '\u{2028}' | '\u{2029}' | '\u{200e}' | '\u{200f}' | '\u{202a}'..='\u{202e}'
                    | '\u{2066}'..='\u{2069}'
            )
    })
}

/// Whether `email` is an address this service stores: RFC 5322's `dot-atom@dot-atom`, with the
/// letters and digits of any script (RFC 6531) and RFC 5321's lengths: a local part of 1 to 64
/// bytes of atoms (letters, digits and ``!#$%&'*+-/=?^_`{|}~``) joined by single dots; a domain
/// of two or more labels of 1 to 63 bytes (letters, digits, inner hyphens), the last not all
/// digits, 253 bytes at most; 254 bytes in all. Quoted local parts, comments and address
/// literals (`[127.0.0.1]`), which RFC 5322 also allows, are refused: no mail system of an
/// employer hands them out, and each is a way to smuggle odd characters in.
pub fn is_email(email: &str) -> bool {
    let Some((local, domain)) = email.split_once('@') else {
        return false;
    };
    let atext = |c: char| {
        c.is_ascii_alphanumeric()
            || "!#$%&'*+-/=?^_`{|}~".contains(c)
            || (!c.is_ascii() && c.is_alphanumeric())
    };
    let local_ok = (1..=64).contains(&local.len())
        && local
            .split('.')
            .all(|atom| !atom.is_empty() && atom.chars().all(atext));
    let label_ok = |label: &str| {
        (1..=63).contains(&label.len())
            && !label.starts_with('-')
            && !label.ends_with('-')
            && label.chars().all(|c| c == '-' || c.is_alphanumeric())
    };
    let labels: Vec<&str> = domain.split('.').collect();
    let domain_ok = domain.len() <= 253
        && labels.len() >= 2
        && labels.iter().all(|label| label_ok(label))
        && !labels
            .last()
            .is_some_and(|tld| tld.bytes().all(|b| b.is_ascii_digit()));
    email.len() <= 254 && local_ok && domain_ok
}

/// How a submitted login email is compared: trimmed and lower-cased, on every backend.
pub fn normalize_email(email: &str) -> String {
    email.trim().to_lowercase()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_text_has_no_controls() {
        assert!(is_plain_text("Zoë O'Brien-Smith"));
        for bad in [
            "a\u{0}",
            "a\nb",
            "\u{1b}[31m",
            "a\u{7f}",
            "a\u{85}",
            "a\u{202e}b",
            "a\u{2028}",
        ] {
            assert!(!is_plain_text(bad), "{bad:?}");
        }
    }

    #[test]
    fn emails_are_dot_atoms_at_a_domain() {
        for good in [
            "a@b.co",
            "ada.king+work@example.co.uk",
            "o'brien_x-1@mail-host.example.org",
            "zoë@exämple.de",
        ] {
            assert!(is_email(good), "{good}");
        }
        for bad in [
            "",
            "a",
            "@b.co",
            "a@",
            "a@b",
            ".a@b.co",
            "a.@b.co",
            "a..b@b.co",
            "a@b..co",
            "a@.b.co",
            "a@b.co.",
            "a@-b.co",
            "a@b-.co",
            "a@b_c.co",
            "a@b.123",
            "a b@b.co",
            "a\u{0}@b.co",
            "\"a\"@b.co",
            "a(x)@b.co",
            "a@[127.0.0.1]",
            "a@b@c.co",
            "a<b>@c.co",
        ] {
            assert!(!is_email(bad), "{bad:?}");
        }
        assert!(!is_email(&format!("{}@b.co", "a".repeat(65))));
        assert!(!is_email(&format!("a@{}.co", "b".repeat(64))));
        assert!(is_email(&format!("{}@b.co", "a".repeat(64))));
    }
}
