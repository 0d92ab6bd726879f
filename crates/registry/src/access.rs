//! Access control (migration 0014): the rules a new password must keep, signing in with throttling
//! and lockout, the accounts an administrator manages (disable, enable, role, unlock) and named API
//! tokens with an expiry, listed and revoked by their owner or an administrator. Every sign-in,
//! failure, lockout, unlock, sign-out and change here is audited.
//!
//! Failed sign-ins are counted per account name, whether or not the account exists, and per
//! client address: an unknown name is throttled, locked and answered exactly as a known one, and
//! pays the same argon2 verification (against a dummy hash), so neither the answers nor their
//! timing tell which names exist.

use std::collections::HashSet;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::OnceLock;

use argon2::password_hash::{PasswordHash, PasswordVerifier};
use argon2::Argon2;
use serde::Serialize;
use sqlx::any::AnyRow;
use sqlx::{Any, Row, Transaction};

use crate::model::FieldError;
use crate::store::{Store, StoreError};
use crate::time::{format_utc, now_utc};
use crate::users::{check_username, insert_token, Role, User};

/// How sign-in failures are answered.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SignInPolicy {
    /// Failures after which an account is locked until an administrator unlocks it.
    pub lockout_after: u32,
    /// The delay after the first throttled failure, in milliseconds; each further failure doubles
    /// it, up to [`MAX_DELAY_MS`].
    pub first_delay_ms: u64,
}

impl Default for SignInPolicy {
    fn default() -> Self {
        SignInPolicy {
            lockout_after: 10,
            first_delay_ms: 1000,
        }
    }
}

/// Failures of one account name answered at once; after them each attempt waits its delay.
pub const ACCOUNT_FREE_FAILURES: i64 = 3;
/// Failures from one client address answered at once (addresses are throttled, never locked).
pub const ADDRESS_FREE_FAILURES: i64 = 20;
/// The longest delay between two attempts.
pub const MAX_DELAY_MS: u64 = 15 * 60 * 1000;
/// An address's failures are forgotten after an hour without one.
const ADDRESS_MEMORY_MS: i64 = 3600 * 1000;

/// The shortest password accepted.
pub const MIN_PASSWORD_CHARS: usize = 12;
const MAX_PASSWORD_CHARS: usize = 1024;

/// What a sign-in attempt came to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SignIn {
    Accepted(User),
    /// Wrong user name or password (or a disabled user): one answer for all three.
    Refused,
    /// Too many recent failures for this account name or address: try again after the delay.
    /// The password was not checked.
    Throttled { retry_after_ms: u64 },
    /// The account name is locked until an administrator unlocks it.
    Locked,
}

/// A user as an administrator sees the account (never the password hash).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct UserAccount {
    pub id: i64,
    pub username: String,
    pub role: Role,
    pub created_at: String,
    pub disabled: bool,
    /// Locked after too many failed sign-ins, until unlocked.
    pub locked: bool,
}

/// A token as its owner or an administrator sees it (never the token or its hash).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TokenInfo {
    pub id: i64,
    pub username: String,
    /// `api` (scripts) or `session` (a browser's sign-in).
    pub kind: String,
    pub name: Option<String>,
    pub created_at: String,
    pub expires_at: Option<String>,
    pub expired: bool,
}

static PASSWORD_VERIFICATIONS: AtomicU64 = AtomicU64::new(0);

/// How many argon2 verifications this process has run: every sign-in attempt that is not
/// throttled runs exactly one, for a known user or not (a metric; the tests count with it).
pub fn password_verifications() -> u64 {
    PASSWORD_VERIFICATIONS.load(Ordering::Relaxed)
}

/// An argon2id hash string with the default parameters every stored hash has, whose output is
/// random bytes (no password is known to give it): what an unknown or disabled user's attempt is
/// verified against, at the cost of a real verification.
const DUMMY_HASH: &str = "$argon2id$v=19$m=19456,t=2,p=1$ZHVtbXktc2FsdC1ob21ld2FyZA$8rJ1M0yT3B2rOUQ0Y1gQ5p0t0H3Yf0yC1sQ9m4x2L6E";

/// Verifies `password` against `stored` (or the dummy hash), counting the verification.
pub(crate) fn verify_password(stored: Option<&str>, password: &str) -> Result<bool, StoreError> {
    let parsed = PasswordHash::new(stored.unwrap_or(DUMMY_HASH))
        .map_err(|e| StoreError::Corrupt(format!("password hash: {e}")))?;
    PASSWORD_VERIFICATIONS.fetch_add(1, Ordering::Relaxed);
    let ok = Argon2::default().verify_password(password.as_bytes(), &parsed).is_ok();
    Ok(ok && stored.is_some())
}

fn common_passwords() -> &'static HashSet<String> {
    static LIST: OnceLock<HashSet<String>> = OnceLock::new();
    LIST.get_or_init(|| {
        include_str!("../data/common-passwords.txt")
            .lines()
            .filter(|l| !l.starts_with("#!comment:") && !l.is_empty())
            .map(str::to_lowercase)
            .collect()
    })
}

/// Runs of keys and digits a password must not be a piece of (forwards or backwards).
const SEQUENCES: [&str; 4] = [
    "01234567890123456789",
    "abcdefghijklmnopqrstuvwxyzabcdefghijklmnopqrstuvwxyz",
    "qwertyuiopasdfghjklzxcvbnmqwertyuiopasdfghjklzxcvbnm",
    "1q2w3e4r5t6y7u8i9o0p1q2w3e4r5t6y7u8i9o0p",
];

/// The rules of a new password (ASVS 2.1): at least 12 characters; not one of the bundled common
/// passwords, nor one with digits or symbols added before or after; not a repetition of a shorter
/// piece or a run of keys; not containing the user name. The error names the field `password`.
pub fn check_new_password(username: &str, password: &str) -> Result<(), FieldError> {
    let refuse = |why: &str| Err(FieldError::new("password", why));
    let chars: Vec<char> = password.chars().collect();
    if chars.len() < MIN_PASSWORD_CHARS {
        return refuse("use at least 12 characters");
    }
    if chars.len() > MAX_PASSWORD_CHARS {
        return refuse("use at most 1024 characters");
    }
    if chars.iter().any(|c| c.is_control()) {
        return refuse("a password cannot hold control characters");
    }
    let lower = password.to_lowercase();
    let name = username.to_lowercase();
    if name.chars().count() >= 3 && lower.contains(&name) {
        return refuse("a password must not contain the user name");
    }
    let n = chars.len();
    let repeats = |unit: usize| {
        let mut pieces = chars.chunks_exact(unit);
        pieces.all(|c| c == &chars[..unit]) && pieces.remainder().is_empty()
    };
    if (1..=n / 2).any(repeats) {
        return refuse("a password must not be one piece repeated");
    }
    let reversed: String = lower.chars().rev().collect();
    if SEQUENCES.iter().any(|s| s.contains(&lower) || s.contains(&reversed)) {
        return refuse("a password must not be a run of keys or digits");
    }
    let core = lower.trim_matches(|c: char| c.is_ascii_digit() || c.is_ascii_punctuation() || c.is_whitespace());
    let list = common_passwords();
    if list.contains(&lower) || (!core.is_empty() && list.contains(core)) {
        return refuse("this is a common password; choose a longer phrase of your own");
    }
    Ok(())
}

fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis() as i64)
        .unwrap_or_default()
}

/// The wait before the next attempt after `failures` failures.
fn delay_ms(failures: i64, free: i64, first_delay_ms: u64) -> u64 {
    if failures < free {
        return 0;
    }
    let doublings = (failures - free).min(40) as u32;
    first_delay_ms.saturating_mul(1u64 << doublings.min(40)).min(MAX_DELAY_MS)
}

/// One row of `sign_in_failures`.
struct Failures {
    failures: i64,
    last_failure_ms: i64,
    locked_at: Option<String>,
}

fn account_subject(username: &str) -> String {
    // An impossible name is counted under one subject, so the table holds only valid names.
    if check_username(username).is_ok() {
        format!("account:{username}")
    } else {
        "account:(invalid name)".to_owned()
    }
}

/// The name the audit log records for an attempt.
fn attempted_name(username: &str) -> &str {
    if check_username(username).is_ok() {
        username
    } else {
        "(invalid name)"
    }
}

async fn failures_of(tx: &mut Transaction<'static, Any>, subject: &str) -> Result<Option<Failures>, StoreError> {
    let row = sqlx::query("SELECT failures, last_failure_ms, locked_at FROM sign_in_failures WHERE subject = $1")
        .bind(subject)
        .fetch_optional(&mut **tx)
        .await?;
    row.map(|r| {
        Ok(Failures {
            failures: r.try_get("failures")?,
            last_failure_ms: r.try_get("last_failure_ms")?,
            locked_at: r.try_get("locked_at")?,
        })
    })
    .transpose()
}

async fn set_failures(
    tx: &mut Transaction<'static, Any>,
    subject: &str,
    failures: i64,
    last_failure_ms: i64,
) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO sign_in_failures (subject, failures, last_failure_ms) VALUES ($1, $2, $3) \
         ON CONFLICT (subject) DO UPDATE SET failures = $2, last_failure_ms = $3",
    )
    .bind(subject)
    .bind(failures)
    .bind(last_failure_ms)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

fn account(row: &AnyRow) -> Result<UserAccount, StoreError> {
    let role: String = row.try_get("role")?;
    Ok(UserAccount {
        id: row.try_get("id")?,
        username: row.try_get("username")?,
        role: role
            .parse()
            .map_err(|e: String| StoreError::Corrupt(format!("user role: {e}")))?,
        created_at: row.try_get("created_at")?,
        disabled: row.try_get::<i64, _>("disabled")? != 0,
        locked: row.try_get::<Option<String>, _>("locked_at")?.is_some(),
    })
}

fn token_info(row: &AnyRow, now: &str) -> Result<TokenInfo, StoreError> {
    let expires_at: Option<String> = row.try_get("expires_at")?;
    Ok(TokenInfo {
        id: row.try_get("id")?,
        username: row.try_get("username")?,
        kind: row.try_get("kind")?,
        name: row.try_get("name")?,
        created_at: row.try_get("created_at")?,
        // RFC 3339 UTC strings of one format compare like the instants they name.
        expired: expires_at.as_deref().is_some_and(|e| e <= now),
        expires_at,
    })
}

/// A token's name: 1–100 characters, no control characters.
fn check_token_name(name: &str) -> Result<(), FieldError> {
    let n = name.trim().chars().count();
    if n == 0 || n > 100 || name.chars().any(char::is_control) {
        return Err(FieldError::new("name", "use 1–100 characters without control characters"));
    }
    Ok(())
}

const ACCOUNTS: &str = "SELECT u.id AS id, u.username AS username, u.role AS role, u.created_at AS created_at, \
     u.disabled AS disabled, f.locked_at AS locked_at FROM users u \
     LEFT JOIN sign_in_failures f ON f.subject = 'account:' || u.username";

const TOKENS: &str = "SELECT t.id AS id, u.username AS username, t.kind AS kind, t.name AS name, \
     t.created_at AS created_at, t.expires_at AS expires_at FROM tokens t JOIN users u ON u.id = t.user_id";

impl Store {
    /// One sign-in attempt from `address` (the client's IP address, if known), under `policy`.
    ///
    /// The attempt is first counted as a failure (so that parallel attempts see each other), then
    /// the password is verified outside the write lock, then a success clears the account's count
    /// and the failure is audited, locking the account at the threshold.
    pub async fn sign_in(
        &self,
        username: &str,
        password: &str,
        address: Option<&str>,
        policy: SignInPolicy,
    ) -> Result<SignIn, StoreError> {
        let account = account_subject(username);
        let address_subject = address.map(|a| format!("address:{a}"));
        let name = attempted_name(username);
        let context = |extra: serde_json::Value| {
            let mut v = serde_json::json!({ "address": address });
            if let (Some(o), serde_json::Value::Object(e)) = (v.as_object_mut(), extra) {
                o.extend(e);
            }
            v.to_string()
        };
        let now = now_ms();
        let mut tx = self.begin_write().await?;
        let held = failures_of(&mut tx, &account).await?;
        if held.as_ref().is_some_and(|f| f.locked_at.is_some()) {
            let after = context(serde_json::json!({ "reason": "locked" }));
            self.audit(&mut tx, name, "sign-in-refused", "user", name, None, Some(&after)).await?;
            tx.commit().await?;
            return Ok(SignIn::Locked);
        }
        let (account_failures, account_last) = held.map_or((0, 0), |f| (f.failures, f.last_failure_ms));
        let (address_failures, address_last) = match &address_subject {
            Some(s) => match failures_of(&mut tx, s).await? {
                Some(f) if now - f.last_failure_ms < ADDRESS_MEMORY_MS => (f.failures, f.last_failure_ms),
                _ => (0, 0),
            },
            None => (0, 0),
        };
        let ready_at = (account_last + delay_ms(account_failures, ACCOUNT_FREE_FAILURES, policy.first_delay_ms) as i64)
            .max(address_last + delay_ms(address_failures, ADDRESS_FREE_FAILURES, policy.first_delay_ms) as i64);
        if ready_at > now {
            tx.rollback().await?;
            return Ok(SignIn::Throttled {
                retry_after_ms: (ready_at - now) as u64,
            });
        }
        set_failures(&mut tx, &account, account_failures + 1, now).await?;
        if let Some(s) = &address_subject {
            set_failures(&mut tx, s, address_failures + 1, now).await?;
        }
        tx.commit().await?;

        let row = sqlx::query("SELECT id, username, role, password_hash, disabled FROM users WHERE username = $1")
            .bind(username)
            .fetch_optional(&self.pool)
            .await?;
        let stored: Option<String> = row.as_ref().map(|r| r.try_get("password_hash")).transpose()?;
        let disabled = match &row {
            Some(r) => r.try_get::<i64, _>("disabled")? != 0,
            None => true,
        };
        // Verified whatever the row says, so that unknown and disabled users cost the same.
        let verified = verify_password(stored.as_deref(), password)? && !disabled;

        let mut tx = self.begin_write().await?;
        if let (true, Some(row)) = (verified, &row) {
            let user: User = crate::support::record("user", row)?;
            sqlx::query("DELETE FROM sign_in_failures WHERE subject = $1")
                .bind(&account)
                .execute(&mut *tx)
                .await?;
            if let Some(s) = &address_subject {
                // The attempt was counted as a failure before the password was checked.
                set_failures(&mut tx, s, address_failures, address_last).await?;
            }
            let after = context(serde_json::json!({}));
            self.audit(&mut tx, name, "sign-in", "user", name, None, Some(&after)).await?;
            tx.commit().await?;
            return Ok(SignIn::Accepted(user));
        }
        let failures = failures_of(&mut tx, &account).await?.map_or(1, |f| f.failures);
        let after = context(serde_json::json!({ "failures": failures }));
        self.audit(&mut tx, name, "sign-in-failed", "user", name, None, Some(&after)).await?;
        let locked = failures >= i64::from(policy.lockout_after.max(1));
        if locked {
            sqlx::query("UPDATE sign_in_failures SET locked_at = $1 WHERE subject = $2 AND locked_at IS NULL")
                .bind(now_utc())
                .bind(&account)
                .execute(&mut *tx)
                .await?;
            let after = context(serde_json::json!({ "failures": failures }));
            self.audit(&mut tx, name, "lock", "user", name, None, Some(&after)).await?;
        }
        tx.commit().await?;
        Ok(if locked { SignIn::Locked } else { SignIn::Refused })
    }

    /// Whether any user exists (a registry being set up has none).
    pub async fn has_users(&self) -> Result<bool, StoreError> {
        let row = sqlx::query("SELECT id FROM users LIMIT 1").fetch_optional(&self.pool).await?;
        Ok(row.is_some())
    }

    /// Every account with its state, by id.
    pub async fn user_accounts(&self) -> Result<Vec<UserAccount>, StoreError> {
        let rows = sqlx::query(&format!("{ACCOUNTS} ORDER BY u.id")).fetch_all(&self.pool).await?;
        rows.iter().map(account).collect()
    }

    /// One account by name.
    pub async fn user_account(&self, username: &str) -> Result<Option<UserAccount>, StoreError> {
        let row = sqlx::query(&format!("{ACCOUNTS} WHERE u.username = $1"))
            .bind(username)
            .fetch_optional(&self.pool)
            .await?;
        row.as_ref().map(account).transpose()
    }

    /// The account `actor` (an administrator) changes, refused if it is the actor's own: an
    /// administrator cannot disable or demote themselves (so one always remains).
    async fn other_account(
        tx: &mut Transaction<'static, Any>,
        actor: &str,
        username: &str,
    ) -> Result<UserAccount, StoreError> {
        let row = sqlx::query(&format!("{ACCOUNTS} WHERE u.username = $1"))
            .bind(username)
            .fetch_optional(&mut **tx)
            .await?
            .ok_or_else(|| StoreError::NotFound {
                entity: "user",
                id: username.to_owned(),
            })?;
        if actor == username {
            return Err(StoreError::NotAllowed(
                "you cannot disable your own account or change your own role; ask another administrator".into(),
            ));
        }
        account(&row)
    }

    /// Disables a user (every session and token of theirs is deleted, so all stop at once) or
    /// enables them again (with no token: they sign in afresh). Audited.
    pub async fn set_user_disabled(
        &self,
        actor: &str,
        username: &str,
        disabled: bool,
    ) -> Result<UserAccount, StoreError> {
        let mut tx = self.begin_write().await?;
        let mut acc = Self::other_account(&mut tx, actor, username).await?;
        sqlx::query("UPDATE users SET disabled = $1 WHERE id = $2")
            .bind(i64::from(disabled))
            .bind(acc.id)
            .execute(&mut *tx)
            .await?;
        let revoked = sqlx::query("DELETE FROM tokens WHERE user_id = $1")
            .bind(acc.id)
            .execute(&mut *tx)
            .await?
            .rows_affected();
        let action = if disabled { "disable" } else { "enable" };
        let after = serde_json::json!({ "disabled": disabled, "tokens_revoked": revoked }).to_string();
        self.audit(&mut tx, actor, action, "user", username, None, Some(&after)).await?;
        tx.commit().await?;
        acc.disabled = disabled;
        Ok(acc)
    }

    /// Changes a user's role (their tokens carry the new role from the next request). Audited.
    pub async fn set_user_role(&self, actor: &str, username: &str, role: Role) -> Result<UserAccount, StoreError> {
        let mut tx = self.begin_write().await?;
        let mut acc = Self::other_account(&mut tx, actor, username).await?;
        sqlx::query("UPDATE users SET role = $1 WHERE id = $2")
            .bind(role.as_str())
            .bind(acc.id)
            .execute(&mut *tx)
            .await?;
        self.audit(
            &mut tx,
            actor,
            "set-role",
            "user",
            username,
            Some(acc.role.as_str()),
            Some(role.as_str()),
        )
        .await?;
        tx.commit().await?;
        acc.role = role;
        Ok(acc)
    }

    /// Unlocks an account locked by failed sign-ins and clears its count. Audited; returns whether
    /// it was locked.
    pub async fn unlock_user(&self, actor: &str, username: &str) -> Result<bool, StoreError> {
        let mut tx = self.begin_write().await?;
        let acc = sqlx::query(&format!("{ACCOUNTS} WHERE u.username = $1"))
            .bind(username)
            .fetch_optional(&mut *tx)
            .await?
            .ok_or_else(|| StoreError::NotFound {
                entity: "user",
                id: username.to_owned(),
            })?;
        let was_locked = account(&acc)?.locked;
        sqlx::query("DELETE FROM sign_in_failures WHERE subject = $1")
            .bind(account_subject(username))
            .execute(&mut *tx)
            .await?;
        let after = serde_json::json!({ "was_locked": was_locked }).to_string();
        self.audit(&mut tx, actor, "unlock", "user", username, None, Some(&after)).await?;
        tx.commit().await?;
        Ok(was_locked)
    }

    /// A named API token for `username` that expires after `days` days; returns its description
    /// and the token itself (shown once, stored only as its hash). Audited.
    pub async fn create_api_token(
        &self,
        actor: &str,
        username: &str,
        name: &str,
        days: u32,
    ) -> Result<(TokenInfo, String), StoreError> {
        check_token_name(name)?;
        if days == 0 {
            return Err(FieldError::new("days", "a token lasts at least one day").into());
        }
        let secs = now_ms() / 1000 + i64::from(days) * 86_400;
        let expires_at = format_utc(secs, 0);
        let mut tx = self.begin_write().await?;
        let (id, token) = insert_token(&mut tx, username, "api", Some(name.trim()), Some(&expires_at)).await?;
        let after = serde_json::json!({ "kind": "api", "name": name.trim(), "expires_at": expires_at }).to_string();
        self.audit(&mut tx, actor, "create", "token", &id.to_string(), None, Some(&after)).await?;
        let row = sqlx::query(&format!("{TOKENS} WHERE t.id = $1"))
            .bind(id)
            .fetch_one(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok((token_info(&row, &now_utc())?, token))
    }

    /// Tokens and sessions, newest first: one user's (`Some(username)`) or everyone's.
    pub async fn list_tokens(&self, username: Option<&str>) -> Result<Vec<TokenInfo>, StoreError> {
        let rows = match username {
            Some(u) => {
                sqlx::query(&format!("{TOKENS} WHERE u.username = $1 ORDER BY t.id DESC"))
                    .bind(u)
                    .fetch_all(&self.pool)
                    .await?
            }
            None => {
                sqlx::query(&format!("{TOKENS} ORDER BY t.id DESC"))
                    .fetch_all(&self.pool)
                    .await?
            }
        };
        let now = now_utc();
        rows.iter().map(|r| token_info(r, &now)).collect()
    }

    /// Revokes token `id`; with `owner`, only if it is that user's (another's is "not found", so
    /// ids reveal nothing). Audited.
    pub async fn revoke_token_id(&self, actor: &str, id: i64, owner: Option<&str>) -> Result<TokenInfo, StoreError> {
        let mut tx = self.begin_write().await?;
        let row = sqlx::query(&format!("{TOKENS} WHERE t.id = $1"))
            .bind(id)
            .fetch_optional(&mut *tx)
            .await?;
        let info = match row {
            Some(r) => token_info(&r, &now_utc())?,
            None => return Err(crate::support::not_found("token", id)),
        };
        if owner.is_some_and(|o| o != info.username) {
            return Err(crate::support::not_found("token", id));
        }
        sqlx::query("DELETE FROM tokens WHERE id = $1").bind(id).execute(&mut *tx).await?;
        let before = serde_json::json!({ "username": info.username, "kind": info.kind, "name": info.name }).to_string();
        self.audit(&mut tx, actor, "revoke", "token", &id.to_string(), Some(&before), None).await?;
        tx.commit().await?;
        Ok(info)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_dummy_hash_has_the_default_parameters() {
        let parsed = PasswordHash::new(DUMMY_HASH).unwrap();
        let params = argon2::Params::try_from(&parsed).unwrap();
        let default = argon2::Params::default();
        assert_eq!(
            (params.m_cost(), params.t_cost(), params.p_cost()),
            (default.m_cost(), default.t_cost(), default.p_cost())
        );
        assert_eq!(parsed.algorithm, argon2::Algorithm::Argon2id.ident());
        assert!(!verify_password(None, "anything at all").unwrap());
    }

    #[test]
    fn weak_passwords_are_refused_naming_the_field() {
        for weak in [
            "aaaaaaaaaa",
            "password12",
            "          ",
            "1234567890",
            "aaaaaaaaaaaa",
            "            ",
            "123456789012",
            "abcabcabcabc",
            "qwertyuiopas",
            "password1234",
            "!!Password2024",
            "1q2w3e4r5t6y",
            "iloveyou12345",
            "aiko.liaison-secret",
        ] {
            let e = check_new_password("aiko.liaison", weak).unwrap_err();
            assert_eq!(e.field, "password", "{weak:?}");
        }
        for fine in ["correct horse battery", "a long enough password", "Tōhoku 1946 winter road"] {
            check_new_password("aiko.liaison", fine).unwrap();
        }
    }

    #[test]
    fn delays_grow_and_stop_at_the_maximum() {
        assert_eq!(delay_ms(2, 3, 1000), 0);
        assert_eq!(delay_ms(3, 3, 1000), 1000);
        assert_eq!(delay_ms(4, 3, 1000), 2000);
        assert_eq!(delay_ms(6, 3, 1000), 8000);
        assert_eq!(delay_ms(500, 3, 1000), MAX_DELAY_MS);
    }
}
