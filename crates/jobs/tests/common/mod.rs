//! Stand-in for `registry::testing` until that harness lands: the same test on a fresh SQLite
//! file and, when `HOMEWARD_TEST_POSTGRES_URL` is set, on a fresh PostgreSQL database (required
//! with `CI=true`).

use std::future::Future;
use std::sync::atomic::{AtomicUsize, Ordering};

use registry::Store;

static COUNTER: AtomicUsize = AtomicUsize::new(0);

fn unique(prefix: &str) -> String {
    format!(
        "{prefix}_{}_{}",
        std::process::id(),
        COUNTER.fetch_add(1, Ordering::Relaxed)
    )
}

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
        let dir = std::env::temp_dir().join(unique("homeward-jobs"));
        std::fs::create_dir_all(&dir).unwrap();
        let mut stores = vec![(
            "sqlite",
            Store::open(&format!("sqlite://{}", dir.join("db.sqlite").display()))
                .await
                .unwrap(),
        )];
        match std::env::var("HOMEWARD_TEST_POSTGRES_URL") {
            Ok(base) => {
                let admin = Store::open(&base).await.unwrap();
                let name = unique("homeward_jobs");
                admin.execute_raw(&format!("CREATE DATABASE {name}")).await.unwrap();
                admin.close().await;
                let (prefix, _) = base.rsplit_once('/').unwrap();
                stores.push(("postgres", Store::open(&format!("{prefix}/{name}")).await.unwrap()));
            }
            Err(_) if std::env::var("CI").as_deref() == Ok("true") => {
                panic!("CI=true needs HOMEWARD_TEST_POSTGRES_URL")
            }
            Err(_) => {}
        }
        for (label, store) in stores {
            eprintln!("backend: {label}");
            test(label, store.clone()).await;
            store.close().await;
        }
    });
}
