//! Killing `homeward import` with SIGKILL in the middle of a 100,000-row import leaves all rows or
//! none, and the database opens cleanly afterwards with its audit chain intact.

use std::process::Stdio;
use std::time::{Duration, Instant};

mod common;
use common::{homeward, ok, run, Scratch};

#[test]
fn sigkill_during_an_import_leaves_all_rows_or_none() {
    let dir = Scratch::new("import-kill");
    let mut text = String::from("external_id,name,name_latin,sex,birth,death,source\n");
    for i in 0..100_000 {
        text.push_str(&format!("P-{i},山田{i}郎,Yamada {i},m,1921,1946,register\n"));
    }
    let csv = dir.file("persons.csv", text);
    let db = dir.db_url();
    // Create the schema first, so that the kill lands in the import itself.
    ok(&run(["db", "migrate", "--db", &db]));
    let mut child = homeward()
        .args(["import", "persons"])
        .arg(&csv)
        .args(["--db", &db])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    // Wait until the import is writing (the WAL grows), then kill it.
    let wal = dir.join("registry.db-wal");
    let started = Instant::now();
    while std::fs::metadata(&wal).map_or(0, |m| m.len()) < 1_000_000 && started.elapsed() < Duration::from_secs(60) {
        if child.try_wait().unwrap().is_some() {
            break;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    let killed_mid_import = child.try_wait().unwrap().is_none();
    child.kill().unwrap(); // SIGKILL on Unix
    child.wait().unwrap();
    dir.with_store(async |store| {
        let n = store.count_persons().await.unwrap();
        assert!(n == 0 || n == 100_000, "{n} rows after the kill");
        if killed_mid_import {
            assert_eq!(n, 0, "the import was killed before its commit");
        }
        let report = store.verify_audit().await.unwrap();
        assert!(report.first_broken.is_none(), "{report:?}");
    });
}
