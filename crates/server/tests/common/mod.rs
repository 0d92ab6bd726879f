//! Stand-in for `registry::testing` until that harness lands: fresh stores of every backend (a
//! SQLite file; PostgreSQL when `HOMEWARD_TEST_POSTGRES_URL` is set, required with `CI=true`).

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

pub async fn fresh_stores() -> Vec<(&'static str, Store)> {
    let dir = std::env::temp_dir().join(unique("homeward-api"));
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
            let name = unique("homeward_api");
            admin.execute_raw(&format!("CREATE DATABASE {name}")).await.unwrap();
            admin.close().await;
            let (prefix, _) = base.rsplit_once('/').unwrap();
            out.push(("postgres", Store::open(&format!("{prefix}/{name}")).await.unwrap()));
        }
        Err(_) if std::env::var("CI").as_deref() == Ok("true") => panic!("CI=true needs HOMEWARD_TEST_POSTGRES_URL"),
        Err(_) => {}
    }
    out
}
