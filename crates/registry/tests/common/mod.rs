//! The harness every conformance suite shares: the same test on a fresh SQLite file and, when
//! `HOMEWARD_TEST_POSTGRES_URL` is set (`.ci/run` starts a throwaway cluster), on a fresh PostgreSQL
//! database. With `CI=true` a missing PostgreSQL is a failure, not a skip.

use std::future::Future;
use std::sync::atomic::{AtomicUsize, Ordering};

use registry::Store;

static COUNTER: AtomicUsize = AtomicUsize::new(0);

pub fn unique(prefix: &str) -> String {
    format!(
        "{prefix}_{}_{}",
        std::process::id(),
        COUNTER.fetch_add(1, Ordering::Relaxed)
    )
}

/// Fresh stores of every available backend, with a label.
pub async fn fresh_stores() -> Vec<(&'static str, Store)> {
    let dir = std::env::temp_dir().join(unique("homeward-registry"));
    std::fs::create_dir_all(&dir).unwrap();
    let mut out = vec![(
        "sqlite",
        Store::open(&format!("sqlite://{}", dir.join("db.sqlite").display()))
            .await
            .unwrap(),
    )];
    match std::env::var("HOMEWARD_TEST_POSTGRES_URL") {
        Ok(base) => {
            let admin = Store::open(&base).await.unwrap();
            let name = unique("homeward_test");
            admin.execute_raw(&format!("CREATE DATABASE {name}")).await.unwrap();
            admin.close().await;
            let (prefix, _) = base.rsplit_once('/').expect("a database name in the URL");
            out.push(("postgres", Store::open(&format!("{prefix}/{name}")).await.unwrap()));
        }
        Err(_) if std::env::var("CI").as_deref() == Ok("true") => {
            panic!("CI=true but HOMEWARD_TEST_POSTGRES_URL is not set: PostgreSQL must be tested in CI")
        }
        Err(_) => eprintln!("HOMEWARD_TEST_POSTGRES_URL not set: PostgreSQL skipped (set it, or run .ci/run)"),
    }
    out
}

/// Runs `test` once per backend, each on a fresh database.
pub fn on_every_backend<F, Fut>(test: F)
where
    F: Fn(&'static str, Store) -> Fut,
    Fut: Future<Output = ()>,
{
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        for (label, store) in fresh_stores().await {
            eprintln!("backend: {label}");
            test(label, store.clone()).await;
            store.close().await;
        }
    });
}
