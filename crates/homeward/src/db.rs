//! `homeward db migrate` and `homeward audit verify`, the `--db`/`--config` arguments every
//! registry command takes, and `--as` (`RegistryArg`): the registry user a command that reads or
//! writes records runs as, checked against the server's permission table and audited by name.

use std::path::PathBuf;

use anyhow::Result;
use casework::input_error;
use clap::{Args, Subcommand};
use registry::{Role, Store};
use server::Permission;

/// The database to use, and where the settings come from.
#[derive(Debug, Args)]
pub struct DbArg {
    /// sqlite://FILE (created if missing) or postgres://USER@HOST:PORT/DB [default: from the
    /// configuration, else sqlite://homeward.db].
    #[arg(long)]
    pub db: Option<String>,
    /// Configuration file [default: ./homeward.toml if present].
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
}

impl DbArg {
    /// The settings in force, the `--db` flag over everything else.
    pub fn settings(&self) -> Result<crate::config::Settings> {
        let mut s = crate::config::load(self.config.as_ref(), |k| std::env::var(k).ok())?;
        if let Some(db) = &self.db {
            s.db = db.clone();
        }
        Ok(s)
    }

    /// The database URL in force.
    pub fn url(&self) -> Result<String> {
        Ok(self.settings()?.db)
    }

    /// Opens the registry, runs `f` on it, and closes it whatever `f` returned.
    pub fn with_store<T, F, Fut>(&self, f: F) -> Result<T>
    where
        F: FnOnce(Store) -> Fut,
        Fut: std::future::Future<Output = Result<T>>,
    {
        casework::store::with_store(&self.url()?, f)
    }
}

/// A registry command's arguments: the database, and the registry user who runs the command.
#[derive(Debug, Args)]
pub struct RegistryArg {
    #[command(flatten)]
    pub db: DbArg,
    /// The registry user who runs this command: checked against the permission table the API uses
    /// and named in the audit log. Required once the registry has users (a new registry without
    /// any is set up as `cli`).
    #[arg(long = "as", value_name = "USER", env = "HOMEWARD_USER")]
    pub as_user: Option<String>,
}

/// Who a command runs as.
#[derive(Debug, Clone)]
pub struct Acting {
    /// The audit log's actor: the user's name (`cli` on a registry without users).
    pub name: String,
    /// The user's role; none on a registry without users, where everything is allowed so that the
    /// first administrator can be added.
    role: Option<Role>,
}

impl Acting {
    pub fn may(&self, p: Permission) -> bool {
        self.role.is_none_or(|r| p.allows(r))
    }

    /// Bad input (exit 2) unless the user may `p`.
    pub fn require(&self, p: Permission) -> Result<()> {
        if self.may(p) {
            return Ok(());
        }
        let role = self.role.map_or("none", |r| r.as_str());
        Err(input_error!(
            "--as {}: the role {role} may not do this ({p:?}; see the permission table)",
            self.name
        ))
    }

    /// Whether this is a registry without users (being set up).
    pub fn setting_up(&self) -> bool {
        self.role.is_none()
    }
}

impl RegistryArg {
    /// The settings in force.
    pub fn settings(&self) -> Result<crate::config::Settings> {
        self.db.settings()
    }

    /// Opens the registry, finds the user the command runs as, checks each of `needs` against the
    /// permission table, and runs `f` with the store and that user; closes the registry after.
    pub fn run_as<T, F, Fut>(&self, needs: &[Permission], f: F) -> Result<T>
    where
        F: FnOnce(Store, Acting) -> Fut,
        Fut: std::future::Future<Output = Result<T>>,
    {
        self.db.with_store(|store| async move {
            let acting = acting(&store, self.as_user.as_deref()).await?;
            for p in needs {
                acting.require(*p)?;
            }
            f(store, acting).await
        })
    }
}

/// The user named by `--as` (enabled), or `cli` on a registry without users.
pub async fn acting(store: &Store, as_user: Option<&str>) -> Result<Acting> {
    let Some(name) = as_user else {
        if store.has_users().await? {
            return Err(input_error!(
                "--as USER (or HOMEWARD_USER): name the registry user who runs this command; \
                 it is checked against the permission table and audited under that name"
            ));
        }
        return Ok(Acting {
            name: "cli".to_owned(),
            role: None,
        });
    };
    let account = store
        .user_account(name)
        .await?
        .ok_or_else(|| input_error!("--as: there is no user '{name}'"))?;
    if account.disabled {
        return Err(input_error!("--as: user '{name}' is disabled"));
    }
    Ok(Acting {
        name: account.username,
        role: Some(account.role),
    })
}

#[derive(Debug, Subcommand)]
pub enum DbCommand {
    /// Create the database if needed and apply the migrations it has not seen.
    Migrate(DbArg),
}

#[derive(Debug, Subcommand)]
pub enum AuditCommand {
    /// Check the whole audit chain (hashes, links, signatures under the registry's key, the
    /// anchor); exit 1 and name the first broken entry if it does not hold.
    Verify {
        #[command(flatten)]
        db: RegistryArg,
        /// Compare with this anchor too (a copy kept elsewhere, e.g. by a notary), besides the
        /// registry's own anchor file.
        #[arg(long, value_name = "FILE")]
        anchor: Option<PathBuf>,
    },
    /// Print the audit anchor (the head, signed) as JSON, to be kept outside the registry.
    Anchor(RegistryArg),
}

pub fn db(cmd: &DbCommand) -> Result<()> {
    match cmd {
        DbCommand::Migrate(db) => {
            db.with_store(|_| async { Ok(()) })?;
            let url = db.url()?;
            // The key that signs backups (and, next, the audit log) is made with the registry.
            match casework::backup::ensure_key(&url)? {
                Some(source) => eprintln!("{url} is up to date; its key: {source}"),
                None => eprintln!("{url} is up to date"),
            }
            Ok(())
        }
    }
}

pub fn audit(cmd: &AuditCommand) -> Result<()> {
    match cmd {
        AuditCommand::Verify { db, anchor } => {
            let url = db.db.url()?;
            let own = casework::anchor::anchor_file(&url);
            let mut anchors = Vec::new();
            for file in own.iter().chain(anchor) {
                match casework::anchor::read(file)? {
                    Some(a) => anchors.push((file.clone(), a)),
                    None if Some(file) == anchor.as_ref() => {
                        return Err(casework::input_error!("--anchor: {} does not exist", file.display()))
                    }
                    None => {}
                }
            }
            // Opened without moving the anchor on: it is what the log is checked against.
            let (report, checked) = casework::store::runtime()?.block_on(async {
                let store = casework::store::open_to_check(&url).await?;
                let result = async {
                    acting(&store, db.as_user.as_deref())
                        .await?
                        .require(Permission::ReadAudit)?;
                    verify_with_anchors(&store, &anchors, own.as_deref()).await
                }
                .await;
                store.close().await;
                result
            })?;
            for problem in &report.records {
                eprintln!("record disagrees with the audit log: {problem}");
            }
            match (&report.first_broken, report.records.len()) {
                (None, 0) => {
                    println!(
                        "audit chain intact: {} entries; {checked}; every sealed record agrees",
                        report.entries
                    );
                    Ok(())
                }
                (None, n) => Err(anyhow::anyhow!(
                    "audit chain intact ({} entries) but {n} record(s) disagree with it, first {}",
                    report.entries,
                    report.records[0]
                )),
                (Some((seq, why)), _) => Err(anyhow::anyhow!(
                    "audit chain broken at entry {seq}: {why} ({} entries before it hold)",
                    report.entries
                )),
            }
        }
        AuditCommand::Anchor(db) => {
            let anchor = db.run_as(&[Permission::ReadAudit], |store, _| async move {
                Ok(store.audit_anchor().await?)
            })?;
            let anchor = anchor.ok_or_else(|| {
                casework::input_error!(
                    "the registry has no key, so its head cannot be signed (set {} or {})",
                    casework::key::KEY_ENV,
                    casework::key::KEY_FILE_ENV
                )
            })?;
            println!("{}", serde_json::to_string_pretty(&anchor)?);
            Ok(())
        }
    }
}

/// The chain checked against each anchor in turn (the first problem found wins), and what was
/// checked, in words. A signed registry whose own anchor file is missing is broken: the file is
/// written with the first signed entry, so only its removal explains it.
async fn verify_with_anchors(
    store: &Store,
    anchors: &[(PathBuf, registry::AuditAnchor)],
    own: Option<&std::path::Path>,
) -> Result<(registry::AuditReport, String)> {
    let mut report = store.verify_audit().await?;
    for (file, anchor) in anchors {
        if report.first_broken.is_some() {
            break;
        }
        report = store.verify_audit_against(Some(anchor)).await?;
        if let Some((seq, why)) = report.first_broken.take() {
            report.first_broken = Some((seq, format!("{why} [anchor {}]", file.display())));
        }
    }
    let signed = match &report.signatures {
        registry::SignatureCheck::Unsigned => "not signed (the registry has no key)".to_owned(),
        registry::SignatureCheck::NoKey { key_id, from_seq } => {
            format!("signed with key {key_id} from entry {from_seq} on, but no key was given: signatures not checked")
        }
        registry::SignatureCheck::Checked { key_id, from_seq } => {
            format!("signatures checked under key {key_id} from entry {from_seq} on")
        }
    };
    let signed_entries = matches!(&report.signatures, registry::SignatureCheck::Checked { from_seq, .. }
        if (*from_seq as u64) <= report.entries);
    let anchored = match (own, anchors.is_empty()) {
        (_, false) => format!("anchors checked: {}", anchors.len()),
        (Some(file), true) if signed_entries && report.first_broken.is_none() => {
            report.first_broken = Some((
                report.entries as i64,
                format!(
                    "the anchor file {} is missing: whether entries were cut from the end cannot be told",
                    file.display()
                ),
            ));
            String::new()
        }
        _ => "no anchor".to_owned(),
    };
    Ok((report, format!("{signed}; {anchored}")))
}

/// Opens the registry that `db` names, with its key.
pub(crate) async fn open(db: &DbArg) -> Result<Store> {
    casework::store::open(&db.url()?).await
}

/// Closes a store [`open`] gave, moving the audit anchor on to what the command wrote first.
pub(crate) async fn close(db: &DbArg, store: &Store) {
    if let Ok(url) = db.url() {
        casework::store::keep_anchor(store, &url).await;
    }
    store.close().await;
}

/// The runtime of a registry command.
pub(crate) fn runtime_for_commands() -> Result<tokio::runtime::Runtime> {
    casework::store::runtime()
}
