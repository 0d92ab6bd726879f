//! Families of the missing and their members as plain data: what a families file or the API
//! describes, checked without a database, so that readers of files can build them in a build of the
//! registry without its store.

use serde::{Deserialize, Serialize};

use super::{external_id, optional_text, required_text, FieldError, Sex};

/// How to reach a family. Sensitive: the store returns it only from `Store::get_family_contacts`,
/// which records the read, and the audit log holds only its hash.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Contacts {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub postal_address: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub phone: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
}

impl Contacts {
    pub fn check(&self) -> Result<(), FieldError> {
        optional_text("postal_address", self.postal_address.as_deref(), 1000)?;
        if let Some(phone) = &self.phone {
            let digits = phone.bytes().filter(u8::is_ascii_digit).count();
            let ok = phone
                .bytes()
                .all(|b| b.is_ascii_digit() || matches!(b, b'+' | b'-' | b' ' | b'(' | b')' | b'.'));
            if !ok || !(3..=20).contains(&digits) {
                return Err(FieldError::new("phone", format!("'{phone}' is not a telephone number")));
            }
        }
        if let Some(email) = &self.email {
            let ok = email.len() <= 254
                && !email.chars().any(char::is_control)
                && !email.chars().any(char::is_whitespace)
                && email
                    .split_once('@')
                    .is_some_and(|(user, host)| !user.is_empty() && host.contains('.') && !host.contains('@'));
            if !ok {
                return Err(FieldError::new("email", format!("'{email}' is not an e-mail address")));
            }
        }
        Ok(())
    }
}

/// A family, as submitted.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewFamily {
    pub external_id: String,
    pub name: String,
    /// Who in the programme looks after the family (free text).
    #[serde(default)]
    pub liaison: Option<String>,
    #[serde(default)]
    pub contacts: Contacts,
}

impl NewFamily {
    pub fn check(&self) -> Result<(), FieldError> {
        external_id(&self.external_id)?;
        required_text("name", &self.name, 500)?;
        optional_text("liaison", self.liaison.as_deref(), 500)?;
        self.contacts.check()
    }
}

/// A family as stored, without its contact details.
#[cfg_attr(feature = "store", derive(sqlx::FromRow))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Family {
    pub id: i64,
    pub external_id: String,
    pub name: String,
    pub liaison: Option<String>,
    pub version: i64,
}

/// A member of a family, as submitted. Parents are other members of the same family.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewMember {
    pub display_name: String,
    pub sex: Sex,
    /// The registry person this member is (the missing person is one).
    #[serde(default)]
    pub person_id: Option<i64>,
    #[serde(default = "alive_by_default")]
    pub alive: bool,
    #[serde(default)]
    pub father_member_id: Option<i64>,
    #[serde(default)]
    pub mother_member_id: Option<i64>,
    #[serde(default)]
    pub is_missing: bool,
}

fn alive_by_default() -> bool {
    true
}

impl NewMember {
    /// What can be checked without the rest of the family.
    pub fn check(&self) -> Result<(), FieldError> {
        required_text("display_name", &self.display_name, 500)
    }
}

/// A family member as stored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FamilyMember {
    pub id: i64,
    pub family_id: i64,
    #[serde(flatten)]
    pub data: NewMember,
    pub version: i64,
}

/// One row of a pedigree description: (id, father, mother, sex), ids as text. Every member of the
/// family appears under its member id; a member with only one parent recorded gets an unknown
/// founder for the other (`"<id>-father"` or `"<id>-mother"`), since a pedigree needs both or none.
pub type PedigreeRow = (String, Option<String>, Option<String>, Sex);

/// A family with its members, for `Store::import_families`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ImportFamily {
    pub family: NewFamily,
    /// The members, parents before their children. Here `father_member_id` and `mother_member_id`
    /// are not registry ids but 0-based positions in this list, of an earlier member. Display names
    /// are unique within the family (trimmed).
    pub members: Vec<NewMember>,
}

/// What `Store::import_families` wrote.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct ImportSummary {
    pub families: usize,
    pub members: usize,
}
