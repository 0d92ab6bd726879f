//! Which family liaisons look after which families (migration 0018).
//!
//! A family liaison reads and writes only the families assigned to them: their members, pedigree,
//! contact details, references, visit requests and notifications, and the queues built from them.
//! Every other role's access is the permission table's alone. An administrator assigns and
//! unassigns (audited); a liaison who records a family, by the API or an import, is assigned to
//! it in the same transaction. The rule is stated once, as a [`FamilyScope`], which the server
//! derives from the caller and every family read takes.

use serde::Serialize;
use sqlx::{Any, Row, Transaction};

use crate::store::{Store, StoreError};
use crate::time::now_utc;
use crate::users::Role;

/// The families a caller may see.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FamilyScope {
    /// Every family (every role but the family liaison).
    All,
    /// Only the families assigned to this family liaison.
    AssignedTo(String),
}

impl FamilyScope {
    /// The scope of a user of `role`: a family liaison sees their own families, everyone else all.
    pub fn of(username: &str, role: Role) -> FamilyScope {
        match role {
            Role::FamilyLiaison => FamilyScope::AssignedTo(username.to_owned()),
            _ => FamilyScope::All,
        }
    }

    /// The liaison the scope is limited to, if it is.
    pub fn liaison(&self) -> Option<&str> {
        match self {
            FamilyScope::All => None,
            FamilyScope::AssignedTo(name) => Some(name),
        }
    }
}

/// One assignment of a family to a liaison.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FamilyAssignment {
    pub family_id: i64,
    pub username: String,
    pub assigned_by: String,
    pub assigned_at: String,
}

impl Store {
    /// Assigns family `family_id` to `username`, who must be a family liaison. Assigning twice
    /// is not an error: the first assignment stands.
    pub async fn assign_family(&self, actor: &str, family_id: i64, username: &str) -> Result<FamilyAssignment, StoreError> {
        let mut assigned = self.assign_families(actor, &[family_id], username).await?;
        assigned.pop().ok_or_else(|| crate::support::not_found("family", family_id))
    }

    /// [`Store::assign_family`] of several families in one transaction (all or none): how an
    /// administrator hands a liaison their caseload, and how the demo assigns its families.
    pub async fn assign_families(
        &self,
        actor: &str,
        family_ids: &[i64],
        username: &str,
    ) -> Result<Vec<FamilyAssignment>, StoreError> {
        let mut tx = self.begin_write().await?;
        match Self::role_of(&mut tx, username).await?.as_deref() {
            None => {
                return Err(StoreError::NotFound {
                    entity: "user",
                    id: username.to_owned(),
                })
            }
            Some(r) if r != Role::FamilyLiaison.as_str() => {
                return Err(StoreError::NotAllowed(format!(
                    "families are assigned to family liaisons; {username} is a {r}"
                )))
            }
            Some(_) => {}
        }
        let mut assigned = Vec::with_capacity(family_ids.len());
        for &family_id in family_ids {
            if sqlx::query("SELECT id FROM families WHERE id = $1")
                .bind(family_id)
                .fetch_optional(&mut *tx)
                .await?
                .is_none()
            {
                return Err(crate::support::not_found("family", family_id));
            }
            assigned.push(match Self::assignment(&mut tx, family_id, username).await? {
                Some(existing) => existing,
                None => self.insert_assignment(&mut tx, actor, family_id, username).await?,
            });
        }
        tx.commit().await?;
        Ok(assigned)
    }

    /// The role of user `username`, as stored (`None`: no such user).
    async fn role_of(tx: &mut Transaction<'_, Any>, username: &str) -> Result<Option<String>, StoreError> {
        Ok(sqlx::query_scalar("SELECT role FROM users WHERE username = $1")
            .bind(username)
            .fetch_optional(&mut **tx)
            .await?)
    }

    /// Assigns a family a liaison has just recorded to them, in the transaction that records it.
    pub(crate) async fn insert_assignment(
        &self,
        tx: &mut Transaction<'_, Any>,
        actor: &str,
        family_id: i64,
        username: &str,
    ) -> Result<FamilyAssignment, StoreError> {
        let assignment = FamilyAssignment {
            family_id,
            username: username.to_owned(),
            assigned_by: actor.to_owned(),
            assigned_at: now_utc(),
        };
        sqlx::query(
            "INSERT INTO family_assignments (family_id, username, assigned_by, assigned_at) VALUES ($1, $2, $3, $4)",
        )
        .bind(family_id)
        .bind(username)
        .bind(actor)
        .bind(&assignment.assigned_at)
        .execute(&mut **tx)
        .await?;
        let after = serde_json::json!({ "family_id": family_id, "liaison": username }).to_string();
        self.audit(tx, actor, "assign", "family_assignment", &format!("{family_id}/{username}"), None, Some(&after))
            .await?;
        Ok(assignment)
    }

    /// Ends `username`'s assignment to family `family_id`; not found if there was none.
    pub async fn unassign_family(&self, actor: &str, family_id: i64, username: &str) -> Result<(), StoreError> {
        let mut tx = self.begin_write().await?;
        let Some(existing) = Self::assignment(&mut tx, family_id, username).await? else {
            return Err(StoreError::NotFound {
                entity: "assignment of family",
                id: format!("{family_id} to {username}"),
            });
        };
        sqlx::query("DELETE FROM family_assignments WHERE family_id = $1 AND username = $2")
            .bind(family_id)
            .bind(username)
            .execute(&mut *tx)
            .await?;
        let before = serde_json::json!({ "family_id": family_id, "liaison": username, "assigned_by": existing.assigned_by })
            .to_string();
        self.audit(
            &mut tx,
            actor,
            "unassign",
            "family_assignment",
            &format!("{family_id}/{username}"),
            Some(&before),
            None,
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// The liaisons assigned to a family, by name.
    pub async fn family_assignments(&self, family_id: i64) -> Result<Vec<FamilyAssignment>, StoreError> {
        let rows = sqlx::query(
            "SELECT family_id, username, assigned_by, assigned_at FROM family_assignments \
             WHERE family_id = $1 ORDER BY username",
        )
        .bind(family_id)
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(assignment_from_row).collect()
    }

    /// Whether a caller of `scope` may see family `family_id` (which need not exist: a caller
    /// limited to their own families learns nothing of others').
    pub async fn family_in_scope(&self, scope: &FamilyScope, family_id: i64) -> Result<bool, StoreError> {
        let Some(liaison) = scope.liaison() else {
            return Ok(true);
        };
        let found = sqlx::query("SELECT 1 AS one FROM family_assignments WHERE family_id = $1 AND username = $2")
            .bind(family_id)
            .bind(liaison)
            .fetch_optional(&self.pool)
            .await?;
        Ok(found.is_some())
    }

    /// Refuses a caller of `scope` a family not assigned to them, with the same answer whether
    /// or not the family exists.
    pub async fn require_family_in_scope(&self, scope: &FamilyScope, family_id: i64) -> Result<(), StoreError> {
        if self.family_in_scope(scope, family_id).await? {
            return Ok(());
        }
        Err(StoreError::NotAllowed(format!(
            "family {family_id} is not assigned to you (an administrator assigns families to liaisons)"
        )))
    }

    /// Whether `actor` is a family liaison (whose new families are assigned to them). The CLI's
    /// `cli` actor of a registry without users, and tests' actors, are no user: false.
    pub(crate) async fn acts_as_liaison(&self, tx: &mut Transaction<'_, Any>, actor: &str) -> Result<bool, StoreError> {
        Ok(Self::role_of(tx, actor).await?.as_deref() == Some(Role::FamilyLiaison.as_str()))
    }

    async fn assignment(
        tx: &mut Transaction<'_, Any>,
        family_id: i64,
        username: &str,
    ) -> Result<Option<FamilyAssignment>, StoreError> {
        let row = sqlx::query(
            "SELECT family_id, username, assigned_by, assigned_at FROM family_assignments \
             WHERE family_id = $1 AND username = $2",
        )
        .bind(family_id)
        .bind(username)
        .fetch_optional(&mut **tx)
        .await?;
        row.as_ref().map(assignment_from_row).transpose()
    }
}

fn assignment_from_row(row: &sqlx::any::AnyRow) -> Result<FamilyAssignment, StoreError> {
    Ok(FamilyAssignment {
        family_id: row.try_get("family_id")?,
        username: row.try_get("username")?,
        assigned_by: row.try_get("assigned_by")?,
        assigned_at: row.try_get("assigned_at")?,
    })
}
