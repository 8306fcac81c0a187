//! Roles (what an employee may do) and scopes (what a token may do), as the contract names them.

use std::fmt;

/// A token's scope. `me` and `directory` come with being an active employee; the others need the
/// role of the same name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Scope {
    Me,
    Directory,
    Manager,
    Hr,
    Admin,
}

impl Scope {
    /// Every scope, in the order tokens list them.
    pub const ALL: [Scope; 5] = [
        Scope::Me,
        Scope::Directory,
        Scope::Manager,
        Scope::Hr,
        Scope::Admin,
    ];

    pub const fn as_str(self) -> &'static str {
        match self {
            Scope::Me => "me",
            Scope::Directory => "directory",
            Scope::Manager => "manager",
            Scope::Hr => "hr",
            Scope::Admin => "admin",
        }
    }

    /// What the scope lets a token do (shown by Swagger UI beside its box).
    pub const fn description(self) -> &'static str {
        match self {
            Scope::Me => "Read your own full record, history and salaries",
            Scope::Directory => "Search the directory: cards of current employees, departments",
            Scope::Manager => {
                "Full records of the staff of the departments you currently manage, and their payroll"
            }
            Scope::Hr => "Everyone's records, former employees too, and HR changes",
            Scope::Admin => "Roles, the audit trail and token introspection",
        }
    }

    pub fn parse(name: &str) -> Option<Scope> {
        Scope::ALL.into_iter().find(|scope| scope.as_str() == name)
    }

    const fn bit(self) -> u8 {
        1 << self as u8
    }
}

impl fmt::Display for Scope {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A set of scopes (a token's, or those an employee holds).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ScopeSet(u8);

impl ScopeSet {
    pub fn contains(self, scope: Scope) -> bool {
        self.0 & scope.bit() != 0
    }

    pub fn any(self, scopes: &[Scope]) -> bool {
        scopes.iter().any(|scope| self.contains(*scope))
    }

    pub fn insert(&mut self, scope: Scope) {
        self.0 |= scope.bit();
    }

    pub fn is_empty(self) -> bool {
        self.0 == 0
    }

    pub fn iter(self) -> impl Iterator<Item = Scope> {
        Scope::ALL
            .into_iter()
            .filter(move |scope| self.contains(*scope))
    }

    /// The scopes of a token's `scope` claim; names this service does not issue are ignored.
    pub fn from_claim(claim: Option<&str>) -> ScopeSet {
        claim
            .unwrap_or_default()
            .split_ascii_whitespace()
            .filter_map(Scope::parse)
            .collect()
    }

    /// Space separated, in [`Scope::ALL`]'s order: the `scope` of a token and of `/token`'s answer.
    pub fn to_claim(self) -> String {
        self.iter().map(Scope::as_str).collect::<Vec<_>>().join(" ")
    }
}

impl FromIterator<Scope> for ScopeSet {
    fn from_iter<I: IntoIterator<Item = Scope>>(iter: I) -> Self {
        let mut set = ScopeSet::default();
        for scope in iter {
            set.insert(scope);
        }
        set
    }
}

/// Who is asking: the token's employee and the scopes the token carries.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Viewer {
    pub emp_no: i32,
    pub scopes: ScopeSet,
}

impl Viewer {
    pub fn can(&self, scope: Scope) -> bool {
        self.scopes.contains(scope)
    }
}

/// A role an employee holds. `employee` and `manager` follow from test_db's rows; `hr` and `admin`
/// are granted (table `employee_roles`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Role {
    Employee,
    Manager,
    Hr,
    Admin,
}

impl Role {
    pub const fn as_str(self) -> &'static str {
        match self {
            Role::Employee => "employee",
            Role::Manager => "manager",
            Role::Hr => "hr",
            Role::Admin => "admin",
        }
    }

    /// A role stored in `employee_roles` (only `hr` and `admin` can be granted).
    pub fn granted(name: &str) -> Option<Role> {
        match name {
            "hr" => Some(Role::Hr),
            "admin" => Some(Role::Admin),
            _ => None,
        }
    }

    /// The scopes a role brings.
    pub fn scopes(self) -> &'static [Scope] {
        match self {
            Role::Employee => &[Scope::Me, Scope::Directory],
            Role::Manager => &[Scope::Manager],
            Role::Hr => &[Scope::Hr],
            Role::Admin => &[Scope::Admin],
        }
    }
}

/// Every scope the given roles bring.
pub fn scopes_of(roles: &[Role]) -> ScopeSet {
    roles
        .iter()
        .flat_map(|role| role.scopes())
        .copied()
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn claims_round_trip_in_a_fixed_order() {
        let set = ScopeSet::from_claim(Some("hr  me bogus"));
        assert_eq!(set.to_claim(), "me hr");
        assert!(set.contains(Scope::Hr) && !set.contains(Scope::Directory));
        assert!(ScopeSet::from_claim(None).is_empty());
    }

    #[test]
    fn roles_bring_their_scopes() {
        let all = scopes_of(&[Role::Employee, Role::Manager, Role::Hr, Role::Admin]);
        assert_eq!(all.to_claim(), "me directory manager hr admin");
        assert_eq!(scopes_of(&[Role::Employee]).to_claim(), "me directory");
        assert_eq!(Role::granted("manager"), None);
    }
}
