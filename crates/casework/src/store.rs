//! Opening the registry for a command: a URL error reported as bad input, the registry's key
//! given to the store (so that every audit entry it appends is signed), and the audit anchor moved
//! on when the command is done.

use anyhow::{Context, Result};
use registry::{SecretKey, Store};

use crate::{anchor, input_error, key};

/// Opens (and migrates) the registry at `url`, with its key; a malformed URL is bad input naming
/// `--db`, and so is a key other than the one the registry's audit log is signed with.
pub async fn open(url: &str) -> Result<Store> {
    let store = open_without_key(url).await?;
    match registry_key(url, true)? {
        Some(key) => store.with_audit_key(key).await.map_err(|e| match e {
            registry::StoreError::KeyMismatch { .. } => input_error!("{url}: {e}"),
            other => anyhow::Error::new(other).context(format!("opening {url} with its key")),
        }),
        None => Ok(store),
    }
}

/// Opens the registry at `url` to check its audit log: with its key, if it has one, but without
/// recording the key with a registry that has none (checking must not sign what it checks).
pub async fn open_to_check(url: &str) -> Result<Store> {
    let store = open_without_key(url).await?;
    // A registry checked where its key is not (a copy on read-only media) is checked without it,
    // and the report says the signatures were not checked: no key is made for it.
    Ok(match registry_key(url, false)? {
        Some(key) => store.checking_with(key),
        None => store,
    })
}

async fn open_without_key(url: &str) -> Result<Store> {
    Store::open(url).await.map_err(|e| match e {
        registry::StoreError::Url(_) => input_error!("--db: {e}"),
        other => anyhow::Error::new(other).context(format!("opening {url}")),
    })
}

/// The key of the registry at `url`: for a SQLite file the environment's or the key file beside
/// it (made, mode 0600, if there is none and `create`); for PostgreSQL only the environment's
/// (`HOMEWARD_KEY`, `HOMEWARD_KEY_FILE`); none for an in-memory database.
pub fn registry_key(url: &str, create: bool) -> Result<Option<SecretKey>> {
    if let Some(file) = crate::backup::sqlite_file(url) {
        return Ok(if create {
            Some(key::load_or_create(&file)?.0)
        } else {
            key::load(&file)?.map(|(key, _)| key)
        });
    }
    Ok(key::load_from_env()?.map(|(key, _)| key))
}

/// Moves the audit anchor of the registry at `url` on to the store's head, saying on standard
/// error why when it may not (the anchor is then left as the evidence it is).
pub async fn keep_anchor(store: &Store, url: &str) {
    match anchor::advance(store, url).await {
        Ok(anchor::Advanced::Refused(why)) => {
            eprintln!("warning: the audit anchor was left as it is: {why}; run `homeward audit verify`")
        }
        Ok(_) => {}
        Err(e) => eprintln!("warning: the audit anchor could not be written: {e:#}"),
    }
}

/// How often a server moves the audit anchor on while the head moves: the longest a tail cut off
/// with the head moved back can go unnoticed by the anchor.
pub const ANCHOR_EVERY: std::time::Duration = std::time::Duration::from_secs(2);

/// For a server's life: moves the audit anchor on every [`ANCHOR_EVERY`] while the head moves.
pub async fn keep_anchor_while_serving(store: Store, url: String) {
    let mut last = None;
    loop {
        tokio::time::sleep(ANCHOR_EVERY).await;
        let head = store.audit_head().await.ok();
        if head.is_some() && head != last {
            keep_anchor(&store, &url).await;
            last = head;
        }
    }
}

/// The runtime a command runs the registry's futures on (two workers: the machine's cores are few
/// and a command's work is mostly one transaction at a time).
pub fn runtime() -> Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .context("starting the runtime")
}

/// Opens the registry at `url`, runs `f` on it, moves the audit anchor on, and closes it whatever
/// `f` returned.
pub fn with_store<T, F, Fut>(url: &str, f: F) -> Result<T>
where
    F: FnOnce(Store) -> Fut,
    Fut: std::future::Future<Output = Result<T>>,
{
    runtime()?.block_on(async {
        let store = open(url).await?;
        let result = f(store.clone()).await;
        keep_anchor(&store, url).await;
        store.close().await;
        result
    })
}
