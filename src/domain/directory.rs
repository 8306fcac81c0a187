//! What the directory shows: cards, full records, history, salaries and departments, and the
//! search that lists cards.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// A department as a card names it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct DeptRef {
    #[schema(example = "d005")]
    pub dept_no: String,
    #[schema(example = "Development")]
    pub dept_name: String,
}

/// A department number as test_db stores it (`d008`): `d` and three digits, lower case. A client
/// may write `D008`; MariaDB's collation would find `d008` with it but store `D008` as written (a
/// manager of `D008` would then manage no `d008`), and SQLite would find nothing. So every dept_no
/// is made canonical where it enters, and compared and stored only so. `None`: no dept_no at all.
pub fn canonical_dept_no(text: &str) -> Option<String> {
    let dept_no = text.to_ascii_lowercase();
    let valid = dept_no.len() == 4
        && dept_no.starts_with('d')
        && dept_no[1..].bytes().all(|b| b.is_ascii_digit());
    valid.then_some(dept_no)
}

/// An employee as a card names their manager.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct PersonRef {
    #[schema(example = 500005)]
    pub emp_no: i32,
    pub first_name: String,
    pub last_name: String,
    pub email: Option<String>,
}

impl PersonRef {
    /// From a LEFT JOIN's nullable columns: `None` when there is nobody.
    pub fn from_columns(
        emp_no: Option<i32>,
        first_name: Option<String>,
        last_name: Option<String>,
        email: Option<String>,
    ) -> Option<PersonRef> {
        Some(PersonRef {
            emp_no: emp_no?,
            first_name: first_name?,
            last_name: last_name?,
            email,
        })
    }
}

/// What every employee who may see someone sees: current values, `null` where there is none.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct Card {
    #[schema(example = 10198)]
    pub emp_no: i32,
    #[schema(example = "Pranav")]
    pub first_name: String,
    #[schema(example = "Furedi")]
    pub last_name: String,
    #[schema(example = "pranav.furedi.10198@gmail.com")]
    pub email: Option<String>,
    pub department: Option<DeptRef>,
    #[schema(example = "Senior Engineer")]
    pub title: Option<String>,
    /// The current manager of the employee's current department.
    pub manager: Option<PersonRef>,
    pub hire_date: NaiveDate,
    /// Has a current department (`false`: a former employee).
    pub active: bool,
}

/// A card plus what only the employee, their manager and HR see.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct Record {
    #[serde(flatten)]
    pub card: Card,
    pub birth_date: NaiveDate,
    /// `M` or `F`.
    #[schema(example = "M")]
    pub gender: String,
}

/// Whom a caller may see at all, as the look-up of one employee applies it in its own statement:
/// an employee outside it is not read, exactly like one that does not exist (the same statement,
/// no row), so that neither the answer nor the work behind it tells the two apart.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Reach {
    /// Everyone, former employees too.
    pub everyone: bool,
    /// This employee (oneself), whatever else.
    pub own: Option<i32>,
    /// Current employees.
    pub current: bool,
    /// Also ask whether this employee currently manages the target's department.
    pub manager: Option<i32>,
}

/// `GET /employees/{emp_no}`: the full record when the caller may see it, else the card.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EmployeeView {
    Record(Record),
    Card(Card),
}

impl EmployeeView {
    pub fn card(&self) -> &Card {
        match self {
            EmployeeView::Record(record) => &record.card,
            EmployeeView::Card(card) => card,
        }
    }
}

/// A `dept_emp` row with the department's name; `to_date` 9999-01-01 marks the current one.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema, sqlx::FromRow)]
pub struct DepartmentSpell {
    pub dept_no: String,
    pub dept_name: String,
    pub from_date: NaiveDate,
    #[schema(example = "9999-01-01")]
    pub to_date: NaiveDate,
}

/// A `titles` row.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema, sqlx::FromRow)]
pub struct TitleSpell {
    pub title: String,
    pub from_date: NaiveDate,
    #[schema(example = "9999-01-01")]
    pub to_date: Option<NaiveDate>,
}

/// `GET /employees/{emp_no}/history`, newest first.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct History {
    pub departments: Vec<DepartmentSpell>,
    pub titles: Vec<TitleSpell>,
}

/// A `salaries` row.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema, sqlx::FromRow)]
pub struct SalarySpell {
    #[schema(example = 71606)]
    pub salary: i32,
    pub from_date: NaiveDate,
    #[schema(example = "9999-01-01")]
    pub to_date: NaiveDate,
}

/// A department in `GET /departments`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct DepartmentSummary {
    #[schema(example = "d005")]
    pub dept_no: String,
    #[schema(example = "Development")]
    pub dept_name: String,
    pub manager: Option<PersonRef>,
    /// Current staff.
    pub headcount: i64,
    /// Sum of the current staff's current salaries: for HR and the department's own manager.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub payroll: Option<i64>,
}

/// A `dept_manager` row with the manager's name.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema, sqlx::FromRow)]
pub struct ManagerSpell {
    pub emp_no: i32,
    pub first_name: String,
    pub last_name: String,
    pub from_date: NaiveDate,
    #[schema(example = "9999-01-01")]
    pub to_date: NaiveDate,
}

/// `GET /departments/{dept_no}`: the summary and the manager history, newest first.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct DepartmentDetail {
    #[serde(flatten)]
    pub summary: DepartmentSummary,
    pub managers: Vec<ManagerSpell>,
}

/// Which employees a search lists.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    /// With a current department (the default).
    #[default]
    Current,
    /// Without one; needs `hr`.
    Former,
    /// Both; needs `hr`.
    All,
}

/// What `q` asks for: a number is exactly an emp_no, anything else a prefix.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Needle {
    EmpNo(i32),
    /// Lower case, trimmed; `%` and `_` are literal characters.
    Prefix(String),
}

impl Needle {
    pub fn parse(q: &str) -> Option<Needle> {
        let q = q.trim();
        if q.is_empty() {
            return None;
        }
        if q.bytes().all(|b| b.is_ascii_digit()) {
            // Too many digits for an emp_no: no employee has it, which the prefix search says too.
            return Some(
                q.parse()
                    .map_or_else(|_| Needle::Prefix(q.to_owned()), Needle::EmpNo),
            );
        }
        Some(Needle::Prefix(q.to_lowercase()))
    }
}

/// Where a page starts: the sort key (last name, first name, emp_no) of the row before it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SortKey {
    pub last_name: String,
    pub first_name: String,
    pub emp_no: i32,
}

/// A search of the directory, as the handler parsed it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Search {
    pub needle: Option<Needle>,
    pub department: Option<String>,
    pub title: Option<String>,
    pub hired_from: Option<NaiveDate>,
    pub hired_to: Option<NaiveDate>,
    pub status: Status,
    pub limit: u32,
}

impl Search {
    /// Everything that selects rows (not the page size): a cursor is valid for this search only.
    pub fn fingerprint(&self) -> String {
        format!(
            "{:?}|{:?}|{:?}|{:?}|{:?}|{:?}",
            self.needle, self.department, self.title, self.hired_from, self.hired_to, self.status
        )
    }
}
