//! `homeward import|export persons` and `audit verify` through the built binary, on SQLite (and on
//! PostgreSQL when `HOMEWARD_TEST_POSTGRES_URL` is set).

use std::path::PathBuf;
use std::process::{Command, Output};

const GOOD: &str =
    "external_id,name,name_script,name_lang,name_kana,name_latin,sex,birth,death,death_place,death_lat,death_lon,source
JP-1,山田太郎,Hani,ja,やまだ たろう,Yamada Taro,male,1921-04,1946,Komusan,42.1,129.7,MHLW register 3
JP-2,佐藤花子,Hani,,さとう はなこ,Sato Hanako,female,1925,1945-12,\"Hamhung, Fuji-machi\",,,MHLW register 4
";

fn dir(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("homeward-records-{}-{name}", std::process::id()));
    std::fs::create_dir_all(&d).unwrap();
    d
}

fn homeward(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_homeward"))
        .args(args)
        .output()
        .unwrap()
}

#[test]
fn persons_survive_an_import_export_round_trip() {
    let d = dir("roundtrip");
    let csv = d.join("persons.csv");
    std::fs::write(&csv, GOOD).unwrap();
    let db = format!("sqlite://{}", d.join("r.db").display());
    let out = homeward(&["import", "persons", csv.to_str().unwrap(), "--db", &db]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let out = homeward(&["export", "persons", "--format", "csv", "--db", &db]);
    assert!(out.status.success());
    assert_eq!(String::from_utf8(out.stdout).unwrap(), GOOD);
    let out = homeward(&["audit", "verify", "--db", &db]);
    assert!(out.status.success());
    assert!(String::from_utf8_lossy(&out.stdout).contains("2 entries"));
    let json = homeward(&["export", "persons", "--format", "json", "--db", &db]);
    let v: serde_json::Value = serde_json::from_slice(&json.stdout).unwrap();
    assert_eq!(v.as_array().unwrap().len(), 2);
    std::fs::remove_dir_all(&d).unwrap();
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
        let d = dir(name);
        let csv = d.join("persons.csv");
        std::fs::write(&csv, text).unwrap();
        let db = format!("sqlite://{}", d.join("r.db").display());
        let out = homeward(&["import", "persons", csv.to_str().unwrap(), "--db", &db]);
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{name}: {err}");
        assert!(err.contains(needle), "{name}: '{needle}' not in {err}");
        let export = homeward(&["export", "persons", "--db", &db]);
        assert_eq!(
            String::from_utf8_lossy(&export.stdout).lines().count(),
            1,
            "{name}: only the header, nothing imported"
        );
        std::fs::remove_dir_all(&d).unwrap();
    }
}

#[test]
fn audit_verify_fails_after_a_row_is_altered_by_hand() {
    let d = dir("tamper");
    let csv = d.join("persons.csv");
    std::fs::write(&csv, GOOD).unwrap();
    let path = d.join("r.db");
    let db = format!("sqlite://{}", path.display());
    assert!(homeward(&["import", "persons", csv.to_str().unwrap(), "--db", &db])
        .status
        .success());
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        let store = registry::Store::open(&db).await.unwrap();
        let mut forged = store.audit_entries(0, 1).await.unwrap().remove(0);
        forged.after = forged.after.map(|a| a.replace("Yamada", "Yamamoto"));
        registry::testing::forge_audit_entry(&store, &forged).await.unwrap();
        store.close().await;
    });
    let out = homeward(&["audit", "verify", "--db", &db]);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("broken at entry 1"));
    std::fs::remove_dir_all(&d).unwrap();
}

#[test]
fn users_tokens_and_the_server_from_the_command_line() {
    use std::io::{BufRead, Read, Write};
    let d = dir("serve");
    let db = format!("sqlite://{}", d.join("s.db").display());
    let mut add = Command::new(env!("CARGO_BIN_EXE_homeward"))
        .args([
            "user",
            "add",
            "--username",
            "kenji",
            "--role",
            "reviewer",
            "--password-stdin",
            "--db",
            &db,
        ])
        .stdin(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    add.stdin
        .take()
        .unwrap()
        .write_all(b"a long enough password\n")
        .unwrap();
    assert!(add.wait().unwrap().success());
    let bad_role = homeward(&[
        "user",
        "add",
        "--username",
        "x",
        "--role",
        "chief",
        "--password-stdin",
        "--db",
        &db,
    ]);
    assert_eq!(bad_role.status.code(), Some(2));
    let token = homeward(&["token", "create", "--username", "kenji", "--db", &db]);
    assert!(token.status.success());
    let token = String::from_utf8(token.stdout).unwrap().trim().to_owned();
    let mut server = Command::new(env!("CARGO_BIN_EXE_homeward"))
        .args(["serve", "--listen", "127.0.0.1:0", "--db", &db])
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    // Log lines may come first; the address is on the line the command prints when it listens.
    let mut stderr = std::io::BufReader::new(server.stderr.take().unwrap());
    let mut line = String::new();
    while !line.contains("listening on http://") {
        line.clear();
        assert!(
            stderr.read_line(&mut line).unwrap() > 0,
            "the server stopped before listening"
        );
    }
    let addr = line.trim().rsplit("http://").next().unwrap().to_owned();
    let mut stream = std::net::TcpStream::connect(&addr).unwrap();
    write!(
        stream,
        "GET /api/v1/me HTTP/1.1\r\nHost: x\r\nConnection: close\r\nAuthorization: Bearer {token}\r\n\r\n"
    )
    .unwrap();
    let mut response = String::new();
    stream.read_to_string(&mut response).unwrap();
    server.kill().unwrap();
    server.wait().unwrap();
    assert!(response.starts_with("HTTP/1.1 200"), "{response}");
    assert!(response.contains("\"role\":\"reviewer\""), "{response}");
    std::fs::remove_dir_all(&d).unwrap();
}

#[test]
fn sites_families_and_missions_export_as_json_without_contacts() {
    use registry::model::{Name, NameKind, NewSite, SiteStatus};
    let d = dir("export-json");
    let db = format!("sqlite://{}", d.join("e.db").display());
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        let store = registry::Store::open(&db).await.unwrap();
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
        store.close().await;
    });
    let sites = homeward(&["export", "sites", "--db", &db]);
    let v: serde_json::Value = serde_json::from_slice(&sites.stdout).unwrap();
    assert_eq!(v[0]["external_id"], "S-1");
    let families = homeward(&["export", "families", "--db", &db]);
    let text = String::from_utf8(families.stdout).unwrap();
    assert!(text.contains("F-1") && !text.contains("hanako@example.jp"), "{text}");
    let missions = homeward(&["export", "missions", "--db", &db]);
    assert!(missions.status.success());
    let csv = homeward(&["export", "sites", "--format", "csv", "--db", &db]);
    assert_eq!(csv.status.code(), Some(2), "nested records export as JSON only");
    std::fs::remove_dir_all(&d).unwrap();
}
