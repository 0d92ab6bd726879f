//! `homeward demo` through the built binary: the small scenario is built, matched and proposed,
//! the registry it leaves verifies, and a second start reuses it.

mod common;
use common::{arg, bad_input, json, ok, run, stdout, Scratch};

#[test]
fn the_small_demo_builds_matches_proposes_and_is_reused() {
    let dir = Scratch::new("demo");
    let d = arg(&dir);
    let out = run(["demo", "--size", "small", "--no-serve", "--data-dir", d]);
    let stderr = ok(&out);
    let stdout = stdout(&out);
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
    ok(&run(["audit", "verify", "--db", &db, "--as", "admin"]));
    let persons = json(&run([
        "export", "persons", "--format", "json", "--db", &db, "--as", "admin",
    ]));
    let persons = persons.as_array().unwrap();
    assert_eq!(persons.len(), 400);
    let names = persons[0]["names"].as_array().unwrap();
    let scripts: Vec<&str> = names.iter().map(|n| n["script"].as_str().unwrap()).collect();
    assert_eq!(scripts, ["Jpan", "Hira", "Latn"]);

    // The users file keeps the passwords printed the first time; a second start reuses the build.
    let again = run(["demo", "--size", "small", "--no-serve", "--data-dir", d]);
    assert!(ok(&again).contains("reusing the demo database"));
    assert_eq!(common::stdout(&again), stdout);
}

#[test]
fn a_bad_size_is_an_input_error() {
    let out = run([
        "demo",
        "--size",
        "huge",
        "--no-serve",
        "--data-dir",
        "/nonexistent/never",
    ]);
    assert!(bad_input(&out).contains("--size"));
}
