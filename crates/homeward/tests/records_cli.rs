//! `homeward import|export persons` and `audit verify` through the built binary, on SQLite (and on
//! PostgreSQL when `HOMEWARD_TEST_POSTGRES_URL` is set).

mod common;
use common::{arg, bad_input, json, ok, run, stderr, stdout, with_store, Scratch, Served};

const GOOD: &str =
    "external_id,name,name_script,name_lang,name_kana,name_latin,sex,birth,death,death_place,death_lat,death_lon,source
JP-1,山田太郎,Hani,ja,やまだ たろう,Yamada Taro,male,1921-04,1946,Komusan,42.1,129.7,MHLW register 3
JP-2,佐藤花子,Hani,,さとう はなこ,Sato Hanako,female,1925,1945-12,\"Hamhung, Fuji-machi\",,,MHLW register 4
";

/// `d` with `text` imported as its persons file; returns the registry's URL.
fn imported(d: &Scratch, text: &str) -> (String, std::process::Output) {
    let db = d.db_url();
    let csv = d.file("persons.csv", text);
    let out = run(["import", "persons", arg(&csv), "--db", &db]);
    (db, out)
}

#[test]
fn persons_survive_an_import_export_round_trip() {
    let d = Scratch::new("roundtrip");
    let (db, out) = imported(&d, GOOD);
    ok(&out);
    let out = run(["export", "persons", "--format", "csv", "--db", &db]);
    ok(&out);
    assert_eq!(stdout(&out), GOOD);
    let out = run(["audit", "verify", "--db", &db]);
    ok(&out);
    assert!(stdout(&out).contains("2 entries"));
    let v = json(&run(["export", "persons", "--format", "json", "--db", &db]));
    assert_eq!(v.as_array().unwrap().len(), 2);
}

#[test]
fn a_bad_row_rejects_the_file_and_names_line_and_column() {
    let cases = [
        ("date", GOOD.replace("1921-04", "1921-13"), "line 2, field 'birth'"),
        ("sex", GOOD.replace(",female,", ",woman,"), "line 3, field 'sex'"),
        ("column", GOOD.replace("source", "sauce"), "line 1, field 'sauce'"),
        ("required", GOOD.replace("JP-2,", ","), "line 3, field 'external_id'"),
        (
            "coordinates",
            GOOD.replace(",42.1,", ",142.1,"),
            "line 2, field 'death_lat'",
        ),
        ("duplicate", GOOD.replace("JP-2", "JP-1"), "line 3"),
        ("shape", format!("{GOOD}JP-3,x\n"), "line 4"),
    ];
    for (name, text, needle) in cases {
        let d = Scratch::new(name);
        let (db, out) = imported(&d, &text);
        let err = bad_input(&out);
        assert!(err.contains(needle), "{name}: '{needle}' not in {err}");
        let export = run(["export", "persons", "--db", &db]);
        assert_eq!(
            stdout(&export).lines().count(),
            1,
            "{name}: only the header, nothing imported"
        );
    }
}

#[test]
fn audit_verify_fails_after_a_row_is_altered_by_hand() {
    let d = Scratch::new("tamper");
    let (db, out) = imported(&d, GOOD);
    ok(&out);
    with_store(&db, async |store| {
        let mut forged = store.audit_entries(0, 1).await.unwrap().remove(0);
        forged.after = forged.after.map(|a| a.replace("Yamada", "Yamamoto"));
        registry::testing::forge_audit_entry(store, &forged).await.unwrap();
    });
    let out = run(["audit", "verify", "--db", &db]);
    assert_eq!(out.status.code(), Some(1));
    assert!(common::stderr(&out).contains("broken at entry 1"));
}

#[test]
fn users_tokens_and_the_server_from_the_command_line() {
    use std::io::{Read, Write};
    let d = Scratch::new("serve");
    let db = d.db_url();
    // The registry's first user must be an administrator; then users are added as one.
    let add = |username: &str, role: &str, extra: &[&str]| {
        common::add_user(&db, username, role, "a long enough password", extra)
    };
    assert!(bad_input(&add("kenji", "reviewer", &[])).contains("first one must be an admin"));
    ok(&add("root", "admin", &[]));
    assert!(bad_input(&add("kenji", "reviewer", &[])).contains("--as"));
    ok(&add("kenji", "reviewer", &["--as", "root"]));
    let bad_role = run([
        "user",
        "add",
        "--username",
        "x",
        "--role",
        "chief",
        "--password-stdin",
        "--db",
        &db,
        "--as",
        "root",
    ]);
    bad_input(&bad_role);
    let token = run(["token", "create", "--username", "kenji", "--db", &db, "--as", "kenji"]);
    ok(&token);
    let token = stdout(&token).trim().to_owned();
    let mut server = Served::start(&db);
    let addr = server.addr.clone();
    let mut stream = std::net::TcpStream::connect(&addr).unwrap();
    write!(
        stream,
        "GET /api/v1/me HTTP/1.1\r\nHost: x\r\nConnection: close\r\nAuthorization: Bearer {token}\r\n\r\n"
    )
    .unwrap();
    let mut response = String::new();
    stream.read_to_string(&mut response).unwrap();
    server.kill();
    assert!(response.starts_with("HTTP/1.1 200"), "{response}");
    assert!(response.contains("\"role\":\"reviewer\""), "{response}");
}

#[test]
fn sites_families_and_missions_export_as_json_without_contacts() {
    use registry::model::{Name, NameKind, NewSite, SiteStatus};
    let d = Scratch::new("export-json");
    let db = d.db_url();
    with_store(&db, async |store| {
        let site = NewSite {
            external_id: "S-1".into(),
            names: vec![Name::new("Komusan", "Latn", None, NameKind::Primary).unwrap()],
            coordinates: None,
            status: SiteStatus::Farmland,
            estimated_count: Some(300),
            notes: None,
        };
        store.create_site("t", &site).await.unwrap();
        let family = registry::NewFamily {
            external_id: "F-1".into(),
            name: "Yamada".into(),
            liaison: None,
            contacts: registry::Contacts {
                postal_address: None,
                phone: None,
                email: Some("hanako@example.jp".into()),
            },
        };
        store.create_family("t", &family).await.unwrap();
    });
    let v = json(&run(["export", "sites", "--db", &db]));
    assert_eq!(v[0]["external_id"], "S-1");
    let text = stdout(&run(["export", "families", "--db", &db]));
    assert!(text.contains("F-1") && !text.contains("hanako@example.jp"), "{text}");
    ok(&run(["export", "missions", "--db", &db]));
    let csv = run(["export", "sites", "--format", "csv", "--db", &db]);
    assert_eq!(csv.status.code(), Some(2), "nested records export as JSON only");
}

/// A registry of the two persons above, made through the command line (so signed under the key
/// beside it and anchored), and its audit log rewritten by `tamper` through a store without the
/// key, as someone who can write the database file but not read the key would.
fn tampered(name: &str, tamper: impl AsyncFnOnce(&registry::Store)) -> (Scratch, String) {
    let d = Scratch::new(name);
    let (db, out) = imported(&d, GOOD);
    ok(&out);
    ok(&run(["audit", "verify", "--db", &db]));
    with_store(&db, async |s| tamper(s).await);
    (d, db)
}

fn verify_refused(db: &str, needles: &[&str]) {
    verify_refused_with(&["audit", "verify", "--db", db], needles);
}

/// `homeward ARGS` (an `audit verify`) exits 1 and says each of `needles`.
fn verify_refused_with(args: &[&str], needles: &[&str]) {
    let out = run(args);
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(1), "{err}");
    for needle in needles {
        assert!(err.contains(needle), "'{needle}' not in {err}");
    }
}

#[test]
fn audit_verify_finds_an_entry_edited_with_the_chain_recomputed() {
    let (_d, db) = tampered("audit-edit", async |s| {
        registry::testing::rewrite_audit(s, |entries| entries[1].actor = "nobody".to_owned())
            .await
            .unwrap();
    });
    verify_refused(&db, &["entry 2", "signature does not verify"]);
}

#[test]
fn audit_verify_finds_entries_deleted_and_rechained() {
    let (_d, db) = tampered("audit-delete", async |s| {
        registry::testing::rewrite_audit(s, |entries| {
            entries.remove(0);
        })
        .await
        .unwrap();
    });
    verify_refused(&db, &["entry 1", "signature"]);
}

#[test]
fn audit_verify_finds_a_cut_tail_by_the_anchor_and_a_removed_anchor() {
    let (d, db) = tampered("audit-cut", async |s| {
        registry::testing::rewrite_audit(s, |entries| entries.truncate(1))
            .await
            .unwrap();
    });
    verify_refused(&db, &["entry 2", "anchor"]);
    // The anchor is left as the evidence it is: a later command does not move it back.
    let later = run(["export", "persons", "--db", &db]);
    assert!(
        stderr(&later).contains("anchor was left as it is"),
        "{}",
        stderr(&later)
    );
    verify_refused(&db, &["anchor"]);
    // Without the anchor, a shorter log cannot be told from a cut one: that is refused too.
    std::fs::remove_file(d.join("registry.db.anchor")).unwrap();
    verify_refused(&db, &["anchor file", "is missing"]);
}

#[test]
fn audit_anchor_prints_the_signed_head_and_verify_takes_a_copy_kept_elsewhere() {
    let d = Scratch::new("audit-anchor");
    let (db, out) = imported(&d, GOOD);
    ok(&out);
    let anchor = json(&run(["audit", "anchor", "--db", &db]));
    assert_eq!(anchor["seq"], 2);
    assert_eq!(anchor["mac"].as_str().unwrap().len(), 64);
    let notarised = d.file("notarised.json", anchor.to_string());
    let out = run(["audit", "verify", "--db", &db, "--anchor", arg(&notarised)]);
    ok(&out);
    assert!(stdout(&out).contains("signatures checked"), "{}", stdout(&out));
    let mut forged = anchor.clone();
    forged["seq"] = 1.into();
    let forged = d.file("forged.json", forged.to_string());
    verify_refused_with(
        &["audit", "verify", "--db", &db, "--anchor", arg(&forged)],
        &["anchor's signature"],
    );
}

#[test]
fn audit_verify_names_a_record_changed_with_no_audit_entry() {
    let (_d, db) = tampered("audit-record", async |s| {
        registry::testing::execute_sql(s, "UPDATE persons SET death = '1950' WHERE external_id = 'JP-2'")
            .await
            .unwrap();
    });
    let out = run(["audit", "verify", "--db", &db]);
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(err.contains("record disagrees with the audit log: persons 2"), "{err}");
    assert!(err.contains("changed with no audit entry"), "{err}");
}
