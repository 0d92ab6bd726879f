//! `homeward backup` and `homeward restore` through the built binary: a backup carries a keyed
//! manifest, and a restore refuses, fast (under 2 s) and without touching the target, a backup
//! with a damaged page, altered genotype bytes, an altered name, an audit tail cut off with the
//! head moved back, a manifest rewritten without the key, a truncated file, and any restore while
//! a server has the database open. A good backup still restores.

mod common;

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use common::{arg, homeward, ok, output, run, stderr, Scratch, Served};
use serde_json::Value;

const PERSONS: &str = "external_id,name,name_latin,sex,birth,death
JP-1,山田太郎,Yamada Taro,male,1921,1946
JP-2,山田次郎,Yamada Jiro,male,1923,1945
";

const FAMILIES: &str = "family_external_id,family_name,member,sex,father,mother,is_missing,person_external_id,alive
F-1,Yamada,Taro,m,Ichiro,Hana,yes,JP-1,
F-1,,Kenji,m,Jiro,,,,
F-1,Yamada,Ichiro,m,,,,,no
F-1,,Hana,f,,,,,no
F-1,,Jiro,m,Ichiro,Hana,,,
F-2,Sato,Hanako,female,,,,,
";

const PROFILES: &str = "external_id,family_external_id,donor,kit,consent_scope,consent_date,D3S1358,TH01,vWA
R-1,F-1,Kenji,GlobalFiler,identification-only,2023-05-01,14/15,9.3,
R-2,F-2,Hanako,GlobalFiler,identification-and-research,2023,15,6 / 7,17/-
";

/// What a refusal may take, at most (a stated requirement of restores, not a benchmark).
const FAST: Duration = Duration::from_secs(2);

/// A registry with persons, families and reference profiles, and a backup of it made by
/// `homeward backup` (`backup.db` with its manifest).
fn registry_with_backup(name: &str) -> (Scratch, PathBuf) {
    let d = Scratch::new(name);
    ok(&d.import("persons", "persons.csv", PERSONS, &[]));
    ok(&d.import("families", "families.csv", FAMILIES, &[]));
    ok(&d.import("profiles", "references.csv", PROFILES, &[]));
    let backup = d.join("backup.db");
    let err = ok(&run(["backup", "--db", &d.db_url(), "--out", arg(&backup)]));
    assert!(err.contains("manifest"), "{err}");
    // Changed after the backup: a restore that went through would lose JP-3.
    ok(&d.import("persons", "more.csv", "external_id,name\nJP-3,佐藤花子\n", &[]));
    (d, backup)
}

fn manifest_of(backup: &Path) -> PathBuf {
    PathBuf::from(format!("{}.manifest.json", backup.display()))
}

/// A copy of the backup and its manifest under a new name, to be tampered with.
fn copy_backup(d: &Scratch, backup: &Path, name: &str) -> PathBuf {
    let copy = d.join(name);
    std::fs::copy(backup, &copy).unwrap();
    std::fs::copy(manifest_of(backup), manifest_of(&copy)).unwrap();
    copy
}

/// The target database's bytes (file and WAL), to show that a refusal left it as it was.
fn target_bytes(d: &Scratch) -> (Vec<u8>, Option<Vec<u8>>) {
    (
        std::fs::read(d.join("registry.db")).unwrap(),
        std::fs::read(d.join("registry.db-wal")).ok(),
    )
}

/// Runs `restore --force` from `from` and asserts that it is refused as bad input with a message
/// holding `needle`, in under 2 s, with the target unchanged and no copy left behind.
fn assert_restore_refused(d: &Scratch, from: &Path, needle: &str) -> Duration {
    let before = target_bytes(d);
    let start = Instant::now();
    let out = run(["restore", "--db", &d.db_url(), "--from", arg(from), "--force"]);
    let took = start.elapsed();
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(!err.contains("panicked"), "{err}");
    assert!(err.contains(needle), "expected '{needle}' in: {err}");
    assert!(took < FAST, "the refusal took {took:?}: {err}");
    assert!(target_bytes(d) == before, "the target database was changed: {err}");
    let leftovers: Vec<_> = std::fs::read_dir(&**d)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.contains(".restore-"))
        .collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");
    eprintln!("refused in {took:?}: {needle}");
    took
}

/// The offset of `needle` in `bytes` where it is a stored column value rather than part of a JSON
/// text (the audit entries' `before`/`after`), i.e. not preceded by a quote.
fn stored_value(bytes: &[u8], needle: &[u8]) -> usize {
    (0..bytes.len() - needle.len())
        .find(|&i| &bytes[i..i + needle.len()] == needle && i > 0 && bytes[i - 1] != b'"')
        .unwrap_or_else(|| panic!("{} not found in the backup", String::from_utf8_lossy(needle)))
}

fn page_size(bytes: &[u8]) -> usize {
    match u16::from_be_bytes([bytes[16], bytes[17]]) {
        1 => 65_536,
        n => n as usize,
    }
}

fn sha256_hex(bytes: &[u8]) -> String {
    use sha2::Digest;
    hex::encode(sha2::Sha256::digest(bytes))
}

/// Rewrites the manifest's plain fields (the file's hash, and whatever `edit` changes) as someone
/// without the key would: the HMAC stays as it was.
fn rewrite_manifest_without_key(backup: &Path, edit: impl FnOnce(&mut Value)) {
    let path = manifest_of(backup);
    let mut m: Value = serde_json::from_slice(&std::fs::read(&path).unwrap()).unwrap();
    m["sha256"] = Value::String(sha256_hex(&std::fs::read(backup).unwrap()));
    edit(&mut m);
    std::fs::write(&path, serde_json::to_vec_pretty(&m).unwrap()).unwrap();
}

#[test]
fn a_backup_carries_a_keyed_manifest_and_restores() {
    let (d, backup) = registry_with_backup("manifest");
    let m: Value = serde_json::from_slice(&std::fs::read(manifest_of(&backup)).unwrap()).unwrap();
    assert_eq!(m["sha256"], Value::String(sha256_hex(&std::fs::read(&backup).unwrap())));
    assert_eq!(m["counts"]["persons"], 2);
    assert_eq!(m["counts"]["reference_samples"], 2);
    assert!(m["schema_version"].as_i64().unwrap() >= 12, "{m}");
    assert!(m["audit_head"]["seq"].as_i64().unwrap() > 0, "{m}");
    assert_eq!(m["hmac"].as_str().unwrap().len(), 64);
    let key = d.join("registry.db.key");
    assert_eq!(std::fs::read(&key).unwrap().len(), 32);
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        for f in [&key, &manifest_of(&backup), &backup] {
            let mode = std::fs::metadata(f).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o600, "{}", f.display());
        }
    }
    let err = ok(&run([
        "restore",
        "--db",
        &d.db_url(),
        "--from",
        arg(&backup),
        "--force",
    ]));
    assert!(err.contains("manifest verified"), "{err}");
    let persons = d.with_store(async |s| s.count_persons().await.unwrap());
    assert_eq!(persons, 2, "JP-3, added after the backup, is gone");
    ok(&run(["audit", "verify", "--db", &d.db_url()]));
    // Into a new file, with the key of the registry the backup came from.
    let fresh = format!("sqlite://{}", d.join("fresh.db").display());
    let refused = run(["restore", "--db", &fresh, "--from", arg(&backup)]);
    assert_eq!(refused.status.code(), Some(2));
    assert!(stderr(&refused).contains("HOMEWARD_KEY"), "{}", stderr(&refused));
    ok(&output(
        homeward()
            .args(["restore", "--db", &fresh, "--from", arg(&backup)])
            .env("HOMEWARD_KEY_FILE", &key),
    ));
    // Under another key the manifest does not verify.
    let other = output(
        homeward()
            .args(["restore", "--db", &fresh, "--from", arg(&backup), "--force"])
            .env("HOMEWARD_KEY", "00".repeat(32)),
    );
    assert_eq!(other.status.code(), Some(2));
    assert!(stderr(&other).contains("HMAC does not verify"), "{}", stderr(&other));
}

#[test]
fn db_migrate_makes_the_key() {
    let d = Scratch::new("migrate-key");
    let err = ok(&run(["db", "migrate", "--db", &d.db_url()]));
    assert!(err.contains("registry.db.key"), "{err}");
    let key = std::fs::read(d.join("registry.db.key")).unwrap();
    assert_eq!(key.len(), 32);
    ok(&run(["db", "migrate", "--db", &d.db_url()]));
    assert_eq!(
        std::fs::read(d.join("registry.db.key")).unwrap(),
        key,
        "kept, not remade"
    );
}

#[test]
fn a_backup_with_a_damaged_page_of_reference_samples_is_refused() {
    let (d, backup) = registry_with_backup("damaged-page");
    let bad = copy_backup(&d, &backup, "damaged.db");
    let mut bytes = std::fs::read(&bad).unwrap();
    let size = page_size(&bytes);
    // The page holding R-1's row (its kit stored as a column, not inside an audit entry's JSON).
    let page = stored_value(&bytes, b"GlobalFiler") / size;
    assert!(page > 0, "not the schema page");
    for b in &mut bytes[page * size..page * size + 64] {
        *b = 0xA5;
    }
    std::fs::write(&bad, &bytes).unwrap();
    assert_restore_refused(&d, &bad, "integrity_check");
}

#[test]
fn a_backup_with_an_altered_genotype_byte_is_refused() {
    let (d, backup) = registry_with_backup("genotype");
    let bad = copy_backup(&d, &backup, "genotype.db");
    let mut bytes = std::fs::read(&bad).unwrap();
    // The first digit of the stored STR profile, which follows the kit in the row.
    let kit = stored_value(&bytes, b"GlobalFiler");
    let digit = (kit + 11..kit + 400).find(|&i| bytes[i].is_ascii_digit()).unwrap();
    bytes[digit] = if bytes[digit] == b'9' { b'8' } else { bytes[digit] + 1 };
    std::fs::write(&bad, &bytes).unwrap();
    assert_restore_refused(&d, &bad, "SHA-256 is not the manifest's");
    // The file's hash recomputed into the manifest, without the key: the HMAC no longer holds.
    rewrite_manifest_without_key(&bad, |_| {});
    assert_restore_refused(&d, &bad, "HMAC does not verify");
}

#[test]
fn a_backup_with_an_altered_name_is_refused() {
    let (d, backup) = registry_with_backup("name");
    let bad = copy_backup(&d, &backup, "name.db");
    let mut bytes = std::fs::read(&bad).unwrap();
    // In JP-1's row of `persons` (its external id stored as a column, its names as JSON after it).
    let at = (0..bytes.len() - 4)
        .filter(|&i| &bytes[i..i + 4] == b"JP-1" && bytes[i - 1] != b'"')
        .find_map(|i| (i..i + 300).find(|&j| &bytes[j..j + 11] == b"Yamada Taro"))
        .expect("JP-1's row");
    bytes[at + 10] = b'a'; // Yamada Tara
    std::fs::write(&bad, &bytes).unwrap();
    assert_restore_refused(&d, &bad, "SHA-256 is not the manifest's");
    rewrite_manifest_without_key(&bad, |_| {});
    assert_restore_refused(&d, &bad, "HMAC does not verify");
}

#[test]
fn a_backup_whose_audit_tail_was_cut_and_head_moved_back_is_refused() {
    let (d, backup) = registry_with_backup("cut-tail");
    let bad = copy_backup(&d, &backup, "cut.db");
    let url = format!("sqlite://{}", bad.display());
    let (seq, hash) = common::with_store(&url, async |s| {
        let (head, _) = s.audit_head().await.unwrap();
        assert!(head > 2, "{head}");
        let kept = s.audit_entries(head - 3, 1).await.unwrap().remove(0);
        registry::testing::drop_audit_guards(s).await.unwrap();
        for table in ["audit_macs", "audit"] {
            registry::testing::execute_sql(s, &format!("DELETE FROM {table} WHERE seq > {}", kept.seq))
                .await
                .unwrap();
        }
        registry::testing::execute_sql(
            s,
            &format!(
                "UPDATE audit_head SET seq = {}, hash = '{}' WHERE id = 1",
                kept.seq, kept.hash
            ),
        )
        .await
        .unwrap();
        // The chain that is left holds, head and all: only the manifest knows it was longer.
        assert!(s.verify_audit().await.unwrap().first_broken.is_none());
        s.checkpoint().await.unwrap();
        (kept.seq, kept.hash)
    });
    assert_restore_refused(&d, &bad, "SHA-256 is not the manifest's");
    let audit_rows = common::with_store(&url, async |s| s.table_counts().await.unwrap()["audit"]);
    let _ = std::fs::remove_file(d.join("cut.db-wal"));
    let _ = std::fs::remove_file(d.join("cut.db-shm"));
    rewrite_manifest_without_key(&bad, |m| {
        m["audit_head"]["seq"] = seq.into();
        m["audit_head"]["hash"] = hash.into();
        m["counts"]["audit"] = audit_rows.into();
    });
    assert_restore_refused(&d, &bad, "HMAC does not verify");
    // Even a manifest re-signed over the new file's hash alone does not help: the records whose
    // audit entries were cut no longer agree with the log, and the manifest keeps the head it was
    // made with.
    let key = std::fs::read(d.join("registry.db.key")).unwrap();
    let mut m: Value = serde_json::from_slice(&std::fs::read(manifest_of(&backup)).unwrap()).unwrap();
    m["sha256"] = Value::String(sha256_hex(&std::fs::read(&bad).unwrap()));
    sign_with_key(&key, &mut m);
    std::fs::write(manifest_of(&bad), serde_json::to_vec_pretty(&m).unwrap()).unwrap();
    assert_restore_refused(&d, &bad, "disagree with the audit log, first reference_samples 1");
}

#[test]
fn a_truncated_backup_is_refused_at_once() {
    let (d, backup) = registry_with_backup("truncated");
    let bad = copy_backup(&d, &backup, "truncated.db");
    let bytes = std::fs::read(&bad).unwrap();
    std::fs::write(&bad, &bytes[..bytes.len() / 2 + 100]).unwrap();
    assert_restore_refused(&d, &bad, "truncated");
    // Cut at a page boundary too: the header's page count still gives it away.
    std::fs::write(&bad, &bytes[..page_size(&bytes) * 2]).unwrap();
    assert_restore_refused(&d, &bad, "truncated");
    // Not a database at all, and no manifest.
    let junk = d.file("junk.db", "external_id,name\n");
    assert_restore_refused(&d, &junk, "not an SQLite database");
    let bare = d.join("bare.db");
    std::fs::copy(&backup, &bare).unwrap();
    assert_restore_refused(&d, &bare, "no manifest");
}

#[test]
fn restore_is_refused_while_a_server_has_the_database_open() {
    let (d, backup) = registry_with_backup("serving");
    let mut server = Served::start(&d.db_url());
    let refused = std::panic::catch_unwind(|| assert_restore_refused(&d, &backup, "a server has"));
    server.kill();
    if let Err(e) = refused {
        std::panic::resume_unwind(e);
    }
    // Stopped, the lock is gone with it: the same backup restores.
    ok(&run([
        "restore",
        "--db",
        &d.db_url(),
        "--from",
        arg(&backup),
        "--force",
    ]));
}

/// HMAC-SHA256 under the registry's key, as `homeward backup` signs: what only a key holder can do.
fn sign_with_key(key: &[u8], m: &mut Value) {
    use hmac::Mac;
    let mut content = m.clone();
    content.as_object_mut().unwrap().remove("hmac");
    // The canonical form: compact JSON, fields in the manifest's declared order.
    let order = [
        "format",
        "file",
        "sha256",
        "schema_version",
        "audit_head",
        "counts",
        "created_at",
    ];
    let fields: Vec<String> = order
        .iter()
        .map(|k| {
            let v = &content[*k];
            // The audit head is a struct (`seq` before `hash`); `Value` would sort its keys.
            let v = if *k == "audit_head" {
                format!("{{\"seq\":{},\"hash\":{}}}", v["seq"], v["hash"])
            } else {
                v.to_string()
            };
            format!("{}:{v}", Value::String((*k).to_owned()))
        })
        .collect();
    let canonical = format!("{{{}}}", fields.join(","));
    let mut mac = hmac::Hmac::<sha2::Sha256>::new_from_slice(key).unwrap();
    mac.update(canonical.as_bytes());
    m["hmac"] = Value::String(hex::encode(mac.finalize().into_bytes()));
}

#[test]
fn a_backup_of_a_newer_schema_is_refused_even_when_signed() {
    let (d, backup) = registry_with_backup("newer-schema");
    let key = std::fs::read(d.join("registry.db.key")).unwrap();
    // The canonical form checked against the real manifest first: the signature reproduces.
    let mut m: Value = serde_json::from_slice(&std::fs::read(manifest_of(&backup)).unwrap()).unwrap();
    let written = m["hmac"].clone();
    sign_with_key(&key, &mut m);
    assert_eq!(m["hmac"], written);
    let newer = copy_backup(&d, &backup, "newer.db");
    let url = format!("sqlite://{}", newer.display());
    common::with_store(&url, async |s| {
        registry::testing::execute_sql(
            s,
            "INSERT INTO _sqlx_migrations (version, description, success, checksum, execution_time) \
             VALUES (99999, 'from the future', 1, x'00', 0)",
        )
        .await
        .unwrap();
        s.checkpoint().await.unwrap();
    });
    let _ = std::fs::remove_file(d.join("newer.db-wal"));
    let _ = std::fs::remove_file(d.join("newer.db-shm"));
    let mut m: Value = serde_json::from_slice(&std::fs::read(manifest_of(&newer)).unwrap()).unwrap();
    m["sha256"] = Value::String(sha256_hex(&std::fs::read(&newer).unwrap()));
    m["schema_version"] = 99999.into();
    sign_with_key(&key, &mut m);
    std::fs::write(manifest_of(&newer), serde_json::to_vec_pretty(&m).unwrap()).unwrap();
    assert_restore_refused(&d, &newer, "newer than this program's");
}
