//! `homeward verify identification` through the built binary: every identification the small demo
//! proposes is recomputed from the stored profiles under its job's recorded model and reproduces
//! to 1e-9; a stored LR altered behind the registry's back does not, and the command says so and
//! exits non-zero.

use std::process::{Command, Output};

/// The built binary, run as the demo's lab analyst (`HOMEWARD_USER`, as `--as` would say).
fn homeward(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_homeward"))
        .args(args)
        .env("HOMEWARD_USER", "analyst")
        .output()
        .unwrap()
}

#[test]
fn every_demo_identification_reproduces_and_a_tampered_lr_does_not() {
    let dir = std::env::temp_dir().join(format!("homeward-verify-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let d = dir.to_str().unwrap();
    let out = homeward(&["demo", "--size", "small", "--no-serve", "--data-dir", d]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    let proposed: i64 = stderr
        .split("samples; ")
        .nth(1)
        .and_then(|s| s.split(' ').next())
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("no count of proposals in {stderr}"));
    assert!(proposed > 10, "{stderr}");
    let db = format!("sqlite://{}", dir.join("homeward-demo.db").display());

    // A fresh registry numbers the demo's identifications 1..=proposed.
    for id in 1..=proposed {
        let out = homeward(&["verify", "identification", &id.to_string(), "--json", "--db", &db]);
        let stdout = String::from_utf8_lossy(&out.stdout);
        assert!(
            out.status.success(),
            "identification {id}: {stdout} {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let v: serde_json::Value = serde_json::from_str(&stdout).unwrap();
        assert_eq!(v["reproduced"], true, "{v}");
        let difference = v["relative_difference"].as_f64().unwrap();
        assert!(difference <= 1e-9, "identification {id}: {v}");
        assert_eq!(v["job_engine"], v["engine"], "{v}");
        assert!(v["markers_differing"].as_array().unwrap().is_empty(), "{v}");
    }
    let text = homeward(&["verify", "identification", "1", "--db", &db]);
    let stdout = String::from_utf8_lossy(&text.stdout);
    assert!(
        stdout.contains("reproduced") && stdout.contains("model sha256"),
        "{stdout}"
    );

    // Someone with write access to the file raises the stored LR of identification 1's candidate.
    let rt = tokio::runtime::Runtime::new().unwrap();
    rt.block_on(async {
        let store = registry::Store::open(&db).await.unwrap();
        registry::testing::execute_sql(
            &store,
            "UPDATE candidates SET log10_lr = log10_lr + 1e-6 \
             WHERE id = (SELECT candidate_id FROM identifications WHERE id = 1)",
        )
        .await
        .unwrap();
        store.close().await;
    });
    let out = homeward(&["verify", "identification", "1", "--db", &db]);
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("not reproduced") && stderr.contains("differs from the stored"),
        "{stderr}"
    );
    let missing = homeward(&["verify", "identification", "99999", "--db", &db]);
    assert!(!missing.status.success());
    assert!(
        String::from_utf8_lossy(&missing.stderr).contains("identification 99999 not found"),
        "{}",
        String::from_utf8_lossy(&missing.stderr)
    );
    std::fs::remove_dir_all(&dir).unwrap();
}
