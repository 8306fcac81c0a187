//! `/userinfo` (OIDC Core §5.3): `sub`, and the claims of the scopes the token carries —
//! `profile` (names, employee number, department, title, manager) and `email`.

use serde::Serialize;
use utoipa::ToSchema;

use super::OidcService;
use crate::{
    domain::oidc::{Grant, OidcScope},
    error::Error,
    repository::employees,
};

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct UserInfo {
    #[schema(example = "500222")]
    pub sub: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(example = "Be Hai Nguyen")]
    pub name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub given_name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub family_name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub employee_number: Option<i32>,
    /// With `profile`: the current department (`null` for a former employee).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub department: Option<Option<String>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub title: Option<Option<String>>,
    /// With `profile`: the emp_no of the current manager of the employee's department.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub manager: Option<Option<i32>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub email_verified: Option<bool>,
}

impl OidcService {
    /// The claims of `emp_no` that `grant` allows; `NotFound` when the employee is gone.
    #[tracing::instrument(skip(self))]
    pub async fn userinfo(&self, emp_no: i32, grant: Grant) -> Result<UserInfo, Error> {
        let profile = employees::find_profile(&self.db, emp_no)
            .await?
            .ok_or(Error::NotFound)?;
        let mut info = UserInfo {
            sub: emp_no.to_string(),
            name: None,
            given_name: None,
            family_name: None,
            employee_number: None,
            department: None,
            title: None,
            manager: None,
            email: None,
            email_verified: None,
        };
        if grant.has(OidcScope::Profile) {
            info.name = Some(format!("{} {}", profile.first_name, profile.last_name));
            info.given_name = Some(profile.first_name);
            info.family_name = Some(profile.last_name);
            info.employee_number = Some(emp_no);
            info.department = Some(profile.department);
            info.title = Some(profile.title);
            info.manager = Some(employees::manager_of(&self.db, emp_no).await?);
        }
        if grant.has(OidcScope::Email)
            && let Some(email) = profile.email
        {
            info.email = Some(email);
            // Addresses are given by HR, not claimed by the employee.
            info.email_verified = Some(true);
        }
        Ok(info)
    }
}
