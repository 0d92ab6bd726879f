//! The end of the way home: telling the family of a confirmed identification, and handing the
//! remains over. Both need a confirmed identification; the hand-over moves the person to
//! `returned`, citing it.

use serde::{Deserialize, Serialize};
use sqlx::Row;

use crate::identifications::IdentificationStatus;
use crate::model::{FieldError, PartialDate, PersonStatus};
use crate::store::{Store, StoreError};
use crate::support::json;
use crate::support::{duplicate, not_found, optional_text, record, records, required_text};
use crate::time::now_utc;

words! {
    /// How a family was told.
    pub enum Channel {
        Visit = "visit",
        Letter = "letter",
        Phone = "phone",
        Email = "email",
    }
    parse: exact, "a channel (visit, letter, phone, email)";
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, sqlx::FromRow)]
#[serde(deny_unknown_fields)]
pub struct NewNotification {
    pub family_id: i64,
    pub identification_id: i64,
    #[sqlx(try_from = "String")]
    pub channel: Channel,
    #[serde(default)]
    pub note: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, sqlx::FromRow)]
pub struct Notification {
    pub id: i64,
    #[serde(flatten)]
    #[sqlx(flatten)]
    pub data: NewNotification,
    pub notified_at: String,
    pub by_user: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, sqlx::FromRow)]
#[serde(deny_unknown_fields)]
pub struct NewRepatriation {
    pub identification_id: i64,
    /// Who received the remains: the family, a ministry, a consulate.
    pub handed_to: String,
    pub place: String,
    #[sqlx(try_from = "String")]
    pub handed_on: PartialDate,
    #[serde(default)]
    pub note: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, sqlx::FromRow)]
pub struct Repatriation {
    pub id: i64,
    pub person_id: i64,
    #[serde(flatten)]
    #[sqlx(flatten)]
    pub data: NewRepatriation,
    pub by_user: String,
}

impl Store {
    /// The person and status of a confirmed identification, inside `tx`; anything else is refused.
    async fn confirmed_identification(tx: &mut sqlx::Transaction<'_, sqlx::Any>, id: i64) -> Result<i64, StoreError> {
        let row = sqlx::query("SELECT person_id, status FROM identifications WHERE id = $1")
            .bind(id)
            .fetch_optional(&mut **tx)
            .await?
            .ok_or_else(|| not_found("identification", id))?;
        let status: String = row.try_get("status")?;
        if status != IdentificationStatus::Confirmed.as_str() {
            return Err(StoreError::NotAllowed(format!(
                "identification {id} is {status}; only a confirmed identification is told to a family or handed over"
            )));
        }
        Ok(row.try_get("person_id")?)
    }

    /// Records that a family was told of a confirmed identification.
    pub async fn record_notification(&self, actor: &str, n: &NewNotification) -> Result<Notification, StoreError> {
        optional_text("note", n.note.as_deref(), 2000)?;
        let mut tx = self.begin_write().await?;
        let person_id = Self::confirmed_identification(&mut tx, n.identification_id).await?;
        if sqlx::query("SELECT id FROM families WHERE id = $1")
            .bind(n.family_id)
            .fetch_optional(&mut *tx)
            .await?
            .is_none()
        {
            return Err(not_found("family", n.family_id));
        }
        // Only the identified person's own family is told.
        if sqlx::query("SELECT id FROM family_members WHERE family_id = $1 AND person_id = $2")
            .bind(n.family_id)
            .bind(person_id)
            .fetch_optional(&mut *tx)
            .await?
            .is_none()
        {
            return Err(StoreError::Unfounded(FieldError::new(
                "family_id",
                format!(
                    "family {} has no member who is person {person_id}, the subject of identification {}",
                    n.family_id, n.identification_id
                ),
            )));
        }
        let at = now_utc();
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO notifications (family_id, identification_id, channel, notified_at, by_user, note) \
             VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
        )
        .bind(n.family_id)
        .bind(n.identification_id)
        .bind(n.channel.as_str())
        .bind(&at)
        .bind(actor)
        .bind(&n.note)
        .fetch_one(&mut *tx)
        .await?;
        let notification = Notification {
            id,
            data: n.clone(),
            notified_at: at,
            by_user: actor.to_owned(),
        };
        self.audit_created(&mut tx, actor, "notification", notification.id, &json(&notification)).await?;
        tx.commit().await?;
        Ok(notification)
    }

    /// A family's notifications, oldest first.
    pub async fn list_notifications(&self, family_id: i64) -> Result<Vec<Notification>, StoreError> {
        let rows = sqlx::query(
            "SELECT id, family_id, identification_id, channel, notified_at, by_user, note FROM notifications \
             WHERE family_id = $1 ORDER BY id",
        )
        .bind(family_id)
        .fetch_all(&self.pool)
        .await?;
        records("notification", &rows)
    }

    /// Records the hand-over of a confirmed identification's remains; the person becomes returned.
    pub async fn record_repatriation(&self, actor: &str, r: &NewRepatriation) -> Result<Repatriation, StoreError> {
        required_text("handed_to", &r.handed_to, 500)?;
        required_text("place", &r.place, 500)?;
        optional_text("note", r.note.as_deref(), 2000)?;
        let mut tx = self.begin_write().await?;
        let person_id = Self::confirmed_identification(&mut tx, r.identification_id).await?;
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO repatriations (identification_id, person_id, handed_to, place, handed_on, by_user, note) \
             VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
        )
        .bind(r.identification_id)
        .bind(person_id)
        .bind(r.handed_to.trim())
        .bind(r.place.trim())
        .bind(r.handed_on.to_string())
        .bind(actor)
        .bind(&r.note)
        .fetch_one(&mut *tx)
        .await
        .map_err(duplicate(
            "repatriation",
            "identification_id",
            &r.identification_id.to_string(),
        ))?;
        let repatriation = Repatriation {
            id,
            person_id,
            data: r.clone(),
            by_user: actor.to_owned(),
        };
        self.audit_created(&mut tx, actor, "repatriation", repatriation.id, &json(&repatriation)).await?;
        // The person is home: returned, citing the hand-over.
        let status: String = sqlx::query("SELECT status FROM persons WHERE id = $1")
            .bind(person_id)
            .fetch_one(&mut *tx)
            .await?
            .try_get("status")?;
        let status: PersonStatus = status.parse().map_err(StoreError::Corrupt)?;
        if status < PersonStatus::Returned {
            let reason = format!(
                "handed to {} at {} on {} (repatriation {})",
                r.handed_to.trim(),
                r.place.trim(),
                r.handed_on,
                repatriation.id
            );
            self.move_person_status(&mut tx, actor, person_id, None, status, PersonStatus::Returned, &reason).await?;
        }
        tx.commit().await?;
        Ok(repatriation)
    }

    pub async fn get_repatriation(&self, id: i64) -> Result<Option<Repatriation>, StoreError> {
        let row = sqlx::query(
            "SELECT id, identification_id, person_id, handed_to, place, handed_on, by_user, note FROM repatriations WHERE id = $1",
        )
        .bind(id)
        .fetch_optional(&self.pool)
        .await?;
        row.map(|r| record("repatriation", &r)).transpose()
    }
}
