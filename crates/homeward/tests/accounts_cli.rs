//! `homeward user …` and `homeward token …` through the built binary: the password rules, an
//! administrator's account commands (each audited under the user of `--as`), named expiring tokens,
//! unlocking an account the running server locked, and the permission table applied to `--as`.

mod common;
use common::{bad_input, homeward, ok, run, stderr, stdout, with_store, Scratch, Served};

const PASSWORD: &str = "a long enough password";

/// `homeward user add` as the administrator `root` (the registry's first user, an admin as it
/// must be: see [`with_root`]).
fn add_user(db: &str, username: &str, role: &str, password: &str) -> std::process::Output {
    common::add_user(db, username, role, password, &["--as", "root"])
}

/// A scratch registry whose first user is the administrator `root`.
fn with_root(name: &str) -> (Scratch, String) {
    let d = Scratch::new(name);
    let db = d.db_url();
    ok(&common::add_user(
        &db,
        "root",
        "admin",
        "the administrator's own phrase",
        &[],
    ));
    (d, db)
}

/// `homeward ARGS… --db DB --as USER`.
fn cli(db: &str, user: &str, args: &[&str]) -> std::process::Output {
    common::output(homeward().args(args).args(["--db", db, "--as", user]))
}

/// The row of `username` in `homeward user list`.
fn listed(db: &str, username: &str) -> Vec<String> {
    let out = cli(db, "root", &["user", "list"]);
    ok(&out);
    stdout(&out)
        .lines()
        .map(|l| l.split_whitespace().map(str::to_owned).collect::<Vec<_>>())
        .find(|cols| cols[0] == username)
        .unwrap_or_default()
}

#[test]
fn weak_passwords_are_refused_by_user_add_naming_the_password() {
    let (_d, db) = with_root("weak-passwords");
    for weak in [
        "aaaaaaaaaa",
        "password12",
        "          ",
        "1234567890",
        "password1234",
        "aiko1946aiko",
    ] {
        let err = bad_input(&add_user(&db, "aiko", "viewer", weak));
        assert!(err.contains("password"), "{weak:?}: {err}");
    }
    ok(&add_user(&db, "aiko", "viewer", PASSWORD));
}

#[test]
fn an_administrator_disables_enables_and_changes_roles_from_the_command_line() {
    let (_d, db) = with_root("user-commands");
    ok(&add_user(&db, "aiko", "family-liaison", PASSWORD));
    assert_eq!(&listed(&db, "aiko")[1..4], ["family-liaison", "no", "no"]);
    let token = cli(&db, "root", &["token", "create", "--username", "aiko"]);
    ok(&token);
    let token = stdout(&token).trim().to_owned();
    let err = ok(&cli(&db, "root", &["user", "disable", "--username", "aiko"]));
    assert!(err.contains("disabled"), "{err}");
    assert_eq!(listed(&db, "aiko")[2], "yes");
    with_store(&db, async |store| {
        assert!(
            store.user_for_token(&token).await.unwrap().is_none(),
            "the token stopped"
        );
    });
    ok(&cli(&db, "root", &["user", "enable", "--username", "aiko"]));
    ok(&cli(
        &db,
        "root",
        &["user", "set-role", "--username", "aiko", "--role", "reviewer"],
    ));
    assert_eq!(&listed(&db, "aiko")[1..3], ["reviewer", "no"]);
    let err = bad_input(&cli(
        &db,
        "root",
        &["user", "set-role", "--username", "aiko", "--role", "chief"],
    ));
    assert!(err.contains("--role"), "{err}");
    let err = bad_input(&cli(&db, "root", &["user", "disable", "--username", "nobody"]));
    assert!(err.contains("nobody"), "{err}");
    with_store(&db, async |store| {
        let entries = store.audit_entries(0, 1000).await.unwrap();
        for action in ["disable", "enable", "set-role"] {
            let e = entries.iter().find(|e| e.action == action).unwrap();
            assert_eq!((e.actor.as_str(), e.entity_id.as_str()), ("root", "aiko"), "{action}");
        }
    });
}

#[test]
fn tokens_are_named_expire_and_are_revoked_from_the_command_line() {
    let (_d, db) = with_root("token-commands");
    ok(&add_user(&db, "aiko", "lab-analyst", PASSWORD));
    let out = cli(
        &db,
        "root",
        &[
            "token",
            "create",
            "--username",
            "aiko",
            "--name",
            "nightly export",
            "--days",
            "7",
        ],
    );
    let err = ok(&out);
    let token = stdout(&out).trim().to_owned();
    assert!(token.starts_with("hw_"), "{token}");
    assert!(err.contains("nightly export") && err.contains("expires 20"), "{err}");
    let list = cli(&db, "root", &["token", "list", "--username", "aiko"]);
    ok(&list);
    let text = stdout(&list);
    assert!(text.contains("nightly export") && !text.contains(&token), "{text}");
    let id = text
        .lines()
        .nth(1)
        .unwrap()
        .split_whitespace()
        .next()
        .unwrap()
        .to_owned();
    for days in ["0", "91"] {
        let err = bad_input(&cli(
            &db,
            "root",
            &["token", "create", "--username", "aiko", "--days", days],
        ));
        assert!(err.contains("--days"), "{days}: {err}");
    }
    ok(&cli(&db, "root", &["token", "revoke", "--id", &id]));
    let text = stdout(&cli(&db, "root", &["token", "list"]));
    assert_eq!(text.lines().count(), 1, "only the header is left: {text}");
    bad_input(&cli(&db, "root", &["token", "revoke", "--id", &id]));
}

/// `POST /api/v1/session` on the served registry: the status code.
fn sign_in(addr: &str, password: &str) -> u16 {
    use std::io::{Read, Write};
    let body = serde_json::json!({ "username": "aiko", "password": password }).to_string();
    let mut stream = std::net::TcpStream::connect(addr).unwrap();
    write!(
        stream,
        "POST /api/v1/session HTTP/1.1\r\nHost: x\r\nConnection: close\r\ncontent-type: application/json\r\ncontent-length: {}\r\n\r\n{body}",
        body.len()
    )
    .unwrap();
    let mut response = String::new();
    stream.read_to_string(&mut response).unwrap();
    response[9..12].parse().unwrap()
}

#[test]
fn an_account_the_server_locked_is_unlocked_from_the_command_line() {
    let (_d, db) = with_root("unlock");
    ok(&add_user(&db, "aiko", "viewer", PASSWORD));
    let server = Served::start_with(
        &db,
        &[("HOMEWARD_LOCKOUT_AFTER", "3"), ("HOMEWARD_SIGN_IN_DELAY_MS", "0")],
    );
    let statuses: Vec<u16> = (0..3)
        .map(|_| sign_in(&server.addr, "not the password at all"))
        .collect();
    assert_eq!(statuses, [401, 401, 423]);
    assert_eq!(
        sign_in(&server.addr, PASSWORD),
        423,
        "locked: the right password is refused"
    );
    assert_eq!(listed(&db, "aiko")[3], "yes");
    let out = cli(&db, "root", &["user", "unlock", "--username", "aiko"]);
    assert!(ok(&out).contains("unlocked"), "{}", stderr(&out));
    assert_eq!(sign_in(&server.addr, PASSWORD), 200);
}

#[test]
fn commands_run_as_a_named_user_checked_against_the_permission_table() {
    let (_d, db) = with_root("acting");
    ok(&add_user(&db, "vera", "viewer", PASSWORD));
    ok(&add_user(&db, "aiko", "family-liaison", PASSWORD));
    // Once the registry has users, a command must say who runs it.
    let err = bad_input(&run(["export", "sites", "--db", &db]));
    assert!(err.contains("--as USER") && err.contains("HOMEWARD_USER"), "{err}");
    let err = bad_input(&cli(&db, "ghost", &["export", "sites"]));
    assert!(err.contains("no user 'ghost'"), "{err}");
    ok(&cli(&db, "vera", &["export", "sites"]));
    // The API's table: a viewer may not read persons, a liaison may; neither manages users.
    let err = bad_input(&cli(&db, "vera", &["export", "persons"]));
    assert!(err.contains("viewer may not"), "{err}");
    ok(&cli(&db, "aiko", &["export", "persons"]));
    let err = bad_input(&cli(&db, "aiko", &["user", "list"]));
    assert!(err.contains("family-liaison may not"), "{err}");
    let err = bad_input(&cli(&db, "aiko", &["audit", "verify"]));
    assert!(err.contains("may not"), "{err}");
    ok(&cli(&db, "root", &["audit", "verify"]));
    // HOMEWARD_USER says the same as --as.
    let out = common::output(
        homeward()
            .args(["export", "persons", "--db", &db])
            .env("HOMEWARD_USER", "vera"),
    );
    assert!(bad_input(&out).contains("viewer may not"));
    // One's own tokens without ManageUsers, nobody else's.
    ok(&cli(&db, "aiko", &["token", "create", "--username", "aiko"]));
    let err = bad_input(&cli(&db, "aiko", &["token", "create", "--username", "vera"]));
    assert!(err.contains("may not"), "{err}");
    let list = stdout(&cli(&db, "aiko", &["token", "list", "--username", "aiko"]));
    assert_eq!(list.lines().count(), 2, "{list}");
    // A disabled user runs nothing.
    ok(&cli(&db, "root", &["user", "disable", "--username", "aiko"]));
    let err = bad_input(&cli(&db, "aiko", &["export", "persons"]));
    assert!(err.contains("disabled"), "{err}");
}

/// `homeward user assign --username LIAISON --family F… [--remove]` as `user`.
fn assign(db: &str, user: &str, liaison: &str, families: &[&str], remove: bool) -> std::process::Output {
    let mut args = vec!["user", "assign", "--username", liaison];
    for f in families {
        args.extend(["--family", f]);
    }
    if remove {
        args.push("--remove");
    }
    cli(db, user, &args)
}

#[test]
fn an_administrator_assigns_families_to_a_liaison_from_the_command_line() {
    let (_d, db) = with_root("assign");
    ok(&add_user(&db, "aiko", "family-liaison", PASSWORD));
    ok(&add_user(&db, "rei", "reviewer", PASSWORD));
    let family = |id: &str| registry::NewFamily {
        external_id: id.into(),
        name: format!("Family {id}"),
        liaison: None,
        contacts: registry::Contacts::default(),
    };
    let (a, b) = with_store(&db, async |s| {
        let a = s.create_family("root", &family("F-A")).await.unwrap().id;
        let b = s.create_family("root", &family("F-B")).await.unwrap().id;
        (a, b)
    });
    let assigned = |id: i64| with_store(&db, async |s| s.family_assignments(id).await.unwrap());
    // An unknown family changes nothing, even beside a known one.
    let err = bad_input(&assign(&db, "root", "aiko", &["F-A", "F-X"], false));
    assert!(err.contains("no family 'F-X'"), "{err}");
    assert!(assigned(a).is_empty());
    // Only an administrator assigns, only to a family liaison.
    let err = bad_input(&assign(&db, "aiko", "aiko", &["F-A"], false));
    assert!(err.contains("may not"), "{err}");
    let err = bad_input(&assign(&db, "root", "rei", &["F-A"], false));
    assert!(err.contains("family liaisons"), "{err}");
    ok(&assign(&db, "root", "aiko", &["F-A", "F-B"], false));
    let of_a = assigned(a);
    assert_eq!(
        (of_a.len(), of_a[0].username.as_str(), of_a[0].assigned_by.as_str()),
        (1, "aiko", "root")
    );
    ok(&assign(&db, "root", "aiko", &["F-B"], true));
    assert!(assigned(b).is_empty());
    assert_eq!(assigned(a).len(), 1);
}

#[test]
fn serve_names_a_certificate_it_cannot_use_and_wants_both_files() {
    let (d, db) = with_root("tls-flags");
    let missing = d.join("no-such-cert.pem");
    let key = d.file("key.pem", "not a key");
    let err = bad_input(&common::output(homeward().args([
        "serve",
        "--db",
        &db,
        "--listen",
        "127.0.0.1:0",
        "--tls-cert",
        missing.to_str().unwrap(),
        "--tls-key",
        key.to_str().unwrap(),
    ])));
    assert!(err.contains("no-such-cert.pem"), "{err}");
    let out = common::output(homeward().args(["serve", "--db", &db, "--tls-cert", missing.to_str().unwrap()]));
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(stderr(&out).contains("--tls-key"), "{}", stderr(&out));
}
