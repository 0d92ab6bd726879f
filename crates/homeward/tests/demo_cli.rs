//! `homeward demo` through the built binary: the small scenario is built, matched and proposed,
//! the registry it leaves verifies, and a second start reuses it.

use std::process::{Command, Output};

fn homeward(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_homeward"))
        .args(args)
        .output()
        .unwrap()
}

#[test]
fn the_small_demo_builds_matches_proposes_and_is_reused() {
    let dir = std::env::temp_dir().join(format!("homeward-demo-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let d = dir.to_str().unwrap();
    let out = homeward(&["demo", "--size", "small", "--no-serve", "--data-dir", d]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    let stdout = String::from_utf8_lossy(&out.stdout);
    for user in [
        "admin",
        "liaison",
        "analyst",
        "reviewer1",
        "reviewer2",
        "planner",
        "viewer",
    ] {
        assert!(
            stdout.lines().any(|l| l.trim_start().starts_with(user)),
            "{user} in {stdout}"
        );
    }
    assert!(
        stderr.contains("71 sites, 400 persons, 100 families, 60 samples"),
        "{stderr}"
    );
    let proposed: usize = stderr
        .split("samples; ")
        .nth(1)
        .and_then(|s| s.split(' ').next())
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("no count of proposals in {stderr}"));
    assert!(proposed > 10, "{stderr}");

    let db = format!("sqlite://{}", dir.join("homeward-demo.db").display());
    let verify = homeward(&["audit", "verify", "--db", &db]);
    assert!(verify.status.success(), "{}", String::from_utf8_lossy(&verify.stderr));
    let persons = homeward(&["export", "persons", "--format", "json", "--db", &db]);
    let persons: serde_json::Value = serde_json::from_slice(&persons.stdout).unwrap();
    let persons = persons.as_array().unwrap();
    assert_eq!(persons.len(), 400);
    let names = persons[0]["names"].as_array().unwrap();
    let scripts: Vec<&str> = names.iter().map(|n| n["script"].as_str().unwrap()).collect();
    assert_eq!(scripts, ["Jpan", "Hira", "Latn"]);

    // The users file keeps the passwords printed the first time; a second start reuses the build.
    let again = homeward(&["demo", "--size", "small", "--no-serve", "--data-dir", d]);
    assert!(again.status.success());
    assert!(String::from_utf8_lossy(&again.stderr).contains("reusing the demo database"));
    assert_eq!(String::from_utf8_lossy(&again.stdout), stdout);
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn a_bad_size_is_an_input_error() {
    let out = homeward(&[
        "demo",
        "--size",
        "huge",
        "--no-serve",
        "--data-dir",
        "/nonexistent/never",
    ]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("--size"));
}
