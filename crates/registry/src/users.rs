//! Users, roles, API tokens and browser sessions. Passwords are stored as argon2id hashes, tokens
//! as SHA-256 hashes: the database never holds a secret that works.


use argon2::password_hash::{PasswordHasher, SaltString};
use argon2::Argon2;
use serde::Serialize;
use sha2::{Digest, Sha256};
use sqlx::Row;

use crate::model::FieldError;
use crate::store::{Store, StoreError};
use crate::support::{duplicate, record, records};
use crate::time::now_utc;

words! {
    /// What a user may do. See the server's permission table for the details.
    pub enum Role {
        Admin = "admin",
        FamilyLiaison = "family-liaison",
        LabAnalyst = "lab-analyst",
        Reviewer = "reviewer",
        MissionPlanner = "mission-planner",
        Viewer = "viewer",
    }
    parse: trimmed, "a role (admin, family-liaison, lab-analyst, reviewer, mission-planner, viewer)";
}

impl Role {
    pub const ALL: [Role; 6] = [
        Role::Admin,
        Role::FamilyLiaison,
        Role::LabAnalyst,
        Role::Reviewer,
        Role::MissionPlanner,
        Role::Viewer,
    ];
}

/// A user as the server sees it (never the password hash).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, sqlx::FromRow)]
pub struct User {
    pub id: i64,
    pub username: String,
    #[sqlx(try_from = "String")]
    pub role: Role,
}

/// A user name: 1–64 letters, digits, `.`, `_` or `-`.
pub(crate) fn check_username(username: &str) -> Result<(), FieldError> {
    let ok = !username.is_empty()
        && username.len() <= 64
        && username
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-'));
    if ok {
        Ok(())
    } else {
        Err(FieldError::new("username", "use 1–64 letters, digits, '.', '_' or '-'"))
    }
}

fn random_bytes<const N: usize>() -> Result<[u8; N], StoreError> {
    let mut buf = [0u8; N];
    getrandom::getrandom(&mut buf).map_err(|e| StoreError::Corrupt(format!("no randomness: {e}")))?;
    Ok(buf)
}

fn token_hash(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

/// Inserts a token of `kind` for the enabled user `username` inside `tx`; returns its id and the
/// token (stored only as its hash).
pub(crate) async fn insert_token(
    tx: &mut sqlx::Transaction<'static, sqlx::Any>,
    username: &str,
    kind: &str,
    name: Option<&str>,
    expires_at: Option<&str>,
) -> Result<(i64, String), StoreError> {
    let row = sqlx::query("SELECT id FROM users WHERE username = $1 AND disabled = 0")
        .bind(username)
        .fetch_optional(&mut **tx)
        .await?
        .ok_or(StoreError::NotFound {
            entity: "user",
            id: username.to_owned(),
        })?;
    let user_id: i64 = row.try_get("id")?;
    let token = format!("hw_{}", hex::encode(random_bytes::<32>()?));
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO tokens (user_id, token_hash, kind, name, created_at, expires_at) \
         VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
    )
    .bind(user_id)
    .bind(token_hash(&token))
    .bind(kind)
    .bind(name)
    .bind(now_utc())
    .bind(expires_at)
    .fetch_one(&mut **tx)
    .await?;
    Ok((id, token))
}

impl Store {
    /// Adds a user with an argon2id password hash.
    pub async fn add_user(&self, actor: &str, username: &str, role: Role, password: &str) -> Result<User, StoreError> {
        check_username(username)?;
        crate::access::check_new_password(username, password)?;
        let salt = SaltString::encode_b64(&random_bytes::<16>()?).map_err(|e| StoreError::Corrupt(e.to_string()))?;
        let hash = Argon2::default()
            .hash_password(password.as_bytes(), &salt)
            .map_err(|e| StoreError::Corrupt(format!("hashing the password: {e}")))?
            .to_string();
        let mut tx = self.begin_write().await?;
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO users (username, role, password_hash, created_at) VALUES ($1, $2, $3, $4) RETURNING id",
        )
        .bind(username)
        .bind(role.as_str())
        .bind(&hash)
        .bind(now_utc())
        .fetch_one(&mut *tx)
        .await
        .map_err(duplicate("user", "username", username))?;
        let user = User {
            id,
            username: username.to_owned(),
            role,
        };
        let after = serde_json::json!({ "username": username, "role": role.as_str() }).to_string();
        self.audit_created(&mut tx, actor, "user", user.id, &after).await?;
        tx.commit().await?;
        Ok(user)
    }

    /// The user if the password is right (and the user not disabled), with neither throttling nor
    /// audit: for checks outside a sign-in (signing in is [`Store::sign_in`]). An unknown user's
    /// password is verified against a dummy hash, so both cost one argon2 verification.
    pub async fn check_password(&self, username: &str, password: &str) -> Result<Option<User>, StoreError> {
        let row =
            sqlx::query("SELECT id, username, role, password_hash FROM users WHERE username = $1 AND disabled = 0")
                .bind(username)
                .fetch_optional(&self.pool)
                .await?;
        let stored: Option<String> = row.as_ref().map(|r| r.try_get("password_hash")).transpose()?;
        match row {
            Some(row) if crate::access::verify_password(stored.as_deref(), password)? => Ok(Some(record("user", &row)?)),
            Some(_) => Ok(None),
            None => {
                crate::access::verify_password(None, password)?;
                Ok(None)
            }
        }
    }

    /// Creates a token for `username` and returns it: shown once, stored only as its hash.
    /// `kind` is `api` (no expiry) or `session` (expires at `expires_at`, RFC 3339).
    pub async fn create_token(
        &self,
        actor: &str,
        username: &str,
        kind: &str,
        expires_at: Option<&str>,
    ) -> Result<String, StoreError> {
        let mut tx = self.begin_write().await?;
        let (_, token) = insert_token(&mut tx, username, kind, None, expires_at).await?;
        self.audit(&mut tx, actor, "create", "token", username, None, Some(kind)).await?;
        tx.commit().await?;
        Ok(token)
    }

    /// The user a token belongs to, if it is valid and not expired.
    pub async fn user_for_token(&self, token: &str) -> Result<Option<User>, StoreError> {
        let row = sqlx::query(
            "SELECT u.id AS id, u.username AS username, u.role AS role, t.expires_at AS expires_at \
             FROM tokens t JOIN users u ON u.id = t.user_id WHERE t.token_hash = $1 AND u.disabled = 0",
        )
        .bind(token_hash(token))
        .fetch_optional(&self.pool)
        .await?;
        let Some(row) = row else {
            return Ok(None);
        };
        let expires: Option<String> = row.try_get("expires_at")?;
        // RFC 3339 UTC strings of one format compare like the instants they name.
        if expires.is_some_and(|e| e.as_str() <= now_utc().as_str()) {
            return Ok(None);
        }
        Ok(Some(record("user", &row)?))
    }

    /// Ends a session (or revokes a token) by the token itself, audited under its owner as a
    /// `sign-out` (a session) or a `revoke` (an API token).
    pub async fn revoke_token(&self, token: &str) -> Result<bool, StoreError> {
        let mut tx = self.begin_write().await?;
        let row = sqlx::query(
            "SELECT t.id AS id, t.kind AS kind, u.username AS username FROM tokens t \
             JOIN users u ON u.id = t.user_id WHERE t.token_hash = $1",
        )
        .bind(token_hash(token))
        .fetch_optional(&mut *tx)
        .await?;
        let Some(row) = row else {
            return Ok(false);
        };
        let (id, kind, username): (i64, String, String) =
            (row.try_get("id")?, row.try_get("kind")?, row.try_get("username")?);
        sqlx::query("DELETE FROM tokens WHERE id = $1").bind(id).execute(&mut *tx).await?;
        let action = if kind == "session" { "sign-out" } else { "revoke" };
        self.audit(&mut tx, &username, action, "token", &id.to_string(), Some(&kind), None).await?;
        tx.commit().await?;
        Ok(true)
    }

    /// The language the user chose for the web pages, if any.
    pub async fn user_locale(&self, user_id: i64) -> Result<Option<String>, StoreError> {
        Ok(self.user_reading(user_id).await?.0)
    }

    /// The language and the time zone the user chose for the web pages (each `None` if not
    /// chosen), in one read: what every page asks first.
    pub async fn user_reading(&self, user_id: i64) -> Result<(Option<String>, Option<String>), StoreError> {
        let row = sqlx::query("SELECT locale, time_zone FROM users WHERE id = $1")
            .bind(user_id)
            .fetch_optional(&self.pool)
            .await?;
        Ok(match row {
            Some(r) => (r.try_get("locale")?, r.try_get("time_zone")?),
            None => (None, None),
        })
    }

    /// Records the time zone a user reads instants in (an IANA name, checked by the caller against
    /// its database; `None`: their language's default).
    pub async fn set_user_time_zone(&self, user: &User, zone: Option<&str>) -> Result<(), StoreError> {
        if let Some(z) = zone {
            if z.is_empty() || z.len() > 64 || !z.bytes().all(|b| b.is_ascii_alphanumeric() || b"/_+-".contains(&b)) {
                return Err(FieldError::new("time_zone", format!("'{z}' is not a time zone name such as Asia/Tokyo")).into());
            }
        }
        let mut tx = self.begin_write().await?;
        sqlx::query("UPDATE users SET time_zone = $1 WHERE id = $2")
            .bind(zone)
            .bind(user.id)
            .execute(&mut *tx)
            .await?;
        self.audit(&mut tx, &user.username, "set-time-zone", "user", &user.username, None, zone)
            .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Records the language a user reads the web pages in: a short language tag ("en", "ja").
    pub async fn set_user_locale(&self, user: &User, locale: &str) -> Result<(), StoreError> {
        if locale.is_empty() || locale.len() > 35 || !locale.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-') {
            return Err(FieldError::new("locale", format!("'{locale}' is not a language tag such as en or ja")).into());
        }
        let mut tx = self.begin_write().await?;
        sqlx::query("UPDATE users SET locale = $1 WHERE id = $2")
            .bind(locale)
            .bind(user.id)
            .execute(&mut *tx)
            .await?;
        self.audit(
            &mut tx,
            &user.username,
            "set-locale",
            "user",
            &user.username,
            None,
            Some(locale),
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    pub async fn list_users(&self) -> Result<Vec<User>, StoreError> {
        let rows = sqlx::query("SELECT id, username, role FROM users ORDER BY id")
            .fetch_all(&self.pool)
            .await?;
        records("user", &rows)
    }
}
