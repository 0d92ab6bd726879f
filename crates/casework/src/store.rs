//! Opening the registry for a command, with a URL error reported as bad input.

use anyhow::{Context, Result};
use registry::Store;

use crate::input_error;

/// Opens (and migrates) the registry at `url`; a malformed URL is bad input naming `--db`.
pub async fn open(url: &str) -> Result<Store> {
    Store::open(url).await.map_err(|e| match e {
        registry::StoreError::Url(_) => input_error!("--db: {e}"),
        other => anyhow::Error::new(other).context(format!("opening {url}")),
    })
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

/// Opens the registry at `url`, runs `f` on it, and closes it whatever `f` returned.
pub fn with_store<T, F, Fut>(url: &str, f: F) -> Result<T>
where
    F: FnOnce(Store) -> Fut,
    Fut: std::future::Future<Output = Result<T>>,
{
    runtime()?.block_on(async {
        let store = open(url).await?;
        let result = f(store.clone()).await;
        store.close().await;
        result
    })
}
