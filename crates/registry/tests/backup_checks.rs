//! The store methods a backup's manifest and a restore's checks rest on (`backup.rs`): schema
//! version, integrity, audit head and counts per table, on a fresh SQLite file opened to inspect.

use registry::Store;

#[tokio::test]
async fn a_fresh_registry_reports_its_schema_head_and_counts_when_inspected() {
    let dir = std::env::temp_dir().join(format!("registry-backup-checks-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("r.db");
    let store = Store::open(&format!("sqlite://{}", file.display())).await.unwrap();
    store.checkpoint().await.unwrap();
    store.close().await;
    let start = std::time::Instant::now();

    let inspected = Store::open_to_inspect(&file).await.unwrap();
    assert!(inspected.integrity_problems().await.unwrap().is_empty());
    assert_eq!(
        inspected.schema_version().await.unwrap(),
        registry::known_sqlite_schema_version()
    );
    assert_eq!(inspected.audit_head().await.unwrap().0, 0);
    let counts = inspected.table_counts().await.unwrap();
    assert_eq!(counts.get("persons"), Some(&0));
    assert!(
        counts.contains_key("audit") && !counts.contains_key("_sqlx_migrations"),
        "{counts:?}"
    );
    inspected.close().await;
    eprintln!("inspected in {:?}", start.elapsed());

    assert!(Store::open_to_inspect(&dir.join("missing.db")).await.is_err());
    std::fs::remove_dir_all(&dir).unwrap();
}
