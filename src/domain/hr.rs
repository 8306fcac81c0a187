//! HR changes as the service takes them: a change of one employee's current rows from a date on,
//! and the current rows it closes (test_db's history: a current row has `to_date` 9999-01-01).

use chrono::NaiveDate;

/// One change of an employee, starting on its date.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Change {
    /// A promotion (or any new title).
    Title(String),
    /// A transfer to another department.
    Department(String),
    /// A new salary.
    Salary(i32),
    /// Every current row closes.
    Termination,
}

impl Change {
    /// The audit trail's name of the change.
    pub fn action(&self) -> &'static str {
        match self {
            Change::Title(_) => "employee.title",
            Change::Department(_) => "employee.department",
            Change::Salary(_) => "employee.salary",
            Change::Termination => "employee.termination",
        }
    }
}

/// Which of test_db's history tables a current row is in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Spell {
    Department,
    Title,
    Salary,
    Managing,
}

impl Spell {
    /// What the row is, for a refusal's detail.
    pub fn noun(self) -> &'static str {
        match self {
            Spell::Department => "department",
            Spell::Title => "title",
            Spell::Salary => "salary",
            Spell::Managing => "manager appointment",
        }
    }
}

/// One current row: its table, its value (dept_no, title or salary) and its start.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CurrentRow {
    pub spell: Spell,
    pub value: String,
    pub from_date: NaiveDate,
}

/// An employee's current rows, in a stable order (table, then start).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CurrentRows(pub Vec<CurrentRow>);

impl CurrentRows {
    pub fn of(&self, spell: Spell) -> impl Iterator<Item = &CurrentRow> {
        self.0.iter().filter(move |row| row.spell == spell)
    }

    /// The value of the newest current row of a table.
    pub fn value(&self, spell: Spell) -> Option<&str> {
        self.of(spell)
            .max_by_key(|row| row.from_date)
            .map(|row| row.value.as_str())
    }

    /// Former employees have no current department.
    pub fn is_former(&self) -> bool {
        self.of(Spell::Department).next().is_none()
    }
}

/// A new employee as HR enters them (the password apart, as a secret).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewHire {
    pub first_name: String,
    pub last_name: String,
    /// `M` or `F`.
    pub gender: String,
    pub birth_date: NaiveDate,
    pub hire_date: NaiveDate,
    pub dept_no: String,
    pub title: String,
    pub salary: i32,
    /// None: test_db's default, `firstname.lastname.EMPNO@gmail.com`.
    pub email: Option<String>,
}
