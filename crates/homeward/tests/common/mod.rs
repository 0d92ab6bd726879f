//! Test support every CLI test shares (`mod common;`): the built binary and how to run it, scratch
//! directories (`tempfile`: removed when the test ends), the registry a test writes to, and the
//! checks on a run's outcome (success, bad input with exit code 2, JSON output).

// Each test binary includes this module and uses only part of it.
#![allow(dead_code)]

use std::ffi::OsStr;
use std::ops::Deref;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use registry::Store;
use serde_json::Value;

/// The built `homeward` binary, ready for arguments.
pub fn homeward() -> Command {
    Command::new(env!("CARGO_BIN_EXE_homeward"))
}

/// Runs `homeward ARGS…` to the end.
pub fn run<I, S>(args: I) -> Output
where
    I: IntoIterator<Item = S>,
    S: AsRef<OsStr>,
{
    output(homeward().args(args))
}

/// Runs a prepared command to the end.
pub fn output(cmd: &mut Command) -> Output {
    cmd.output().expect("the homeward binary runs")
}

/// What the run wrote on standard error.
pub fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// What the run wrote on standard output.
pub fn stdout(out: &Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// Asserts that the run succeeded; returns its standard error (where commands print their closing
/// line).
pub fn ok(out: &Output) -> String {
    let err = stderr(out);
    assert!(out.status.success(), "exit {:?}: {err}", out.status.code());
    err
}

/// Asserts that the run was refused as bad input (exit code 2, no panic); returns its standard error.
pub fn bad_input(out: &Output) -> String {
    let err = stderr(out);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(!err.contains("panicked"), "{err}");
    err
}

/// Asserts that the run succeeded and parses its standard output as JSON.
pub fn json(out: &Output) -> Value {
    ok(out);
    serde_json::from_slice(&out.stdout).expect("standard output is JSON")
}

/// A scratch directory for one test, removed when the test ends. Derefs to its path.
#[derive(Debug)]
pub struct Scratch(tempfile::TempDir);

impl Scratch {
    /// A fresh empty directory `<tmp>/homeward-<name>-XXXXXX`.
    pub fn new(name: &str) -> Scratch {
        let dir = tempfile::Builder::new()
            .prefix(&format!("homeward-{name}-"))
            .tempdir()
            .expect("a scratch directory");
        Scratch(dir)
    }

    /// Writes `contents` to `name` in the directory and returns its path.
    pub fn file(&self, name: &str, contents: impl AsRef<[u8]>) -> PathBuf {
        let path = self.join(name);
        std::fs::write(&path, contents).expect("writing a scratch file");
        path
    }

    /// The URL of a SQLite registry in the directory (created on first use).
    pub fn db_url(&self) -> String {
        format!("sqlite://{}", self.join("registry.db").display())
    }
}

impl Deref for Scratch {
    type Target = Path;

    fn deref(&self) -> &Path {
        self.0.path()
    }
}

/// A file's path as the `&str` an argument list takes (scratch paths are UTF-8).
pub fn arg(path: &Path) -> &str {
    path.to_str().expect("a UTF-8 path")
}

/// Opens the registry at `url`, runs `f` on it and closes it: a test's look at what a command wrote.
pub fn with_store<T>(url: &str, f: impl AsyncFnOnce(&Store) -> T) -> T {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a runtime");
    rt.block_on(async {
        let store = Store::open(url).await.expect("the registry opens");
        let out = f(&store).await;
        store.close().await;
        out
    })
}

impl Scratch {
    /// Writes `text` to `name` in the directory and runs `homeward import KIND FILE --db … EXTRA…`
    /// against the directory's registry.
    pub fn import(&self, kind: &str, name: &str, text: &str, extra: &[&str]) -> Output {
        let file = self.file(name, text);
        output(
            homeward()
                .args(["import", kind, arg(&file), "--db", &self.db_url()])
                .args(extra),
        )
    }

    /// Runs `f` on the directory's registry (see [`with_store`]).
    pub fn with_store<T>(&self, f: impl AsyncFnOnce(&Store) -> T) -> T {
        with_store(&self.db_url(), f)
    }

    /// Runs `step` (a command on the directory's registry) and asserts that it wrote nothing: the
    /// audit chain is intact and no longer than before. Returns the step's output.
    pub fn writes_nothing(&self, step: impl FnOnce() -> Output) -> Output {
        let before = self.audit_entries();
        let out = step();
        assert_eq!(self.audit_entries(), before, "nothing written: {}", stderr(&out));
        out
    }

    /// The number of audit entries of the directory's registry, after checking the chain: every
    /// write adds at least one, so an unchanged count means nothing was written.
    pub fn audit_entries(&self) -> u64 {
        self.with_store(async |s| {
            let report = s.verify_audit().await.expect("the audit chain reads");
            assert!(report.first_broken.is_none(), "{report:?}");
            report.entries
        })
    }
}

/// Asserts bad input (see [`bad_input`]) whose message contains every one of `parts`.
pub fn refused(out: &Output, parts: &[&str]) {
    let err = bad_input(out);
    for p in parts {
        assert!(err.contains(p), "'{p}' not in: {err}");
    }
}

/// Runs `homeward lr --h1 PED --freqs FREQS EXTRA…`.
pub fn lr(ped: &Path, freqs: &Path, extra: &[&str]) -> Output {
    output(
        homeward()
            .arg("lr")
            .arg("--h1")
            .arg(ped)
            .arg("--freqs")
            .arg(freqs)
            .args(extra),
    )
}

/// `homeward COMMAND --pm PM --am AM --missing MISSING --freqs FREQS` (`dvi` or `screen`), ready
/// for more arguments.
pub fn dvi_command(command: &str, pm: &Path, am: &Path, missing: &Path, freqs: &Path) -> Command {
    let mut cmd = homeward();
    cmd.arg(command)
        .arg("--pm")
        .arg(pm)
        .arg("--am")
        .arg(am)
        .arg("--missing")
        .arg(missing)
        .arg("--freqs")
        .arg(freqs);
    cmd
}

/// A case folder's `expected.json`.
pub fn expected(dir: &Path) -> Value {
    let text = std::fs::read_to_string(dir.join("expected.json")).expect("the case's expected.json");
    serde_json::from_str(&text).expect("expected.json is JSON")
}

/// Exit code 2 without a panic, every `needle` in the message, and no result printed; `name` (the
/// case) is in every failure message.
pub fn assert_refused(name: &str, out: &Output, needles: &[&str]) {
    let stderr = stderr(out);
    assert_eq!(
        out.status.code(),
        Some(2),
        "{name}: exit {:?}, stderr: {stderr}",
        out.status.code()
    );
    assert!(!stderr.contains("panicked"), "{name}: {stderr}");
    for needle in needles {
        assert!(stderr.contains(needle), "{name}: '{needle}' not in: {stderr}");
    }
    assert!(out.stdout.is_empty(), "{name}: printed a result despite the error");
}

/// `homeward user add` of `username` with `role` into the registry at `db`, `password` on standard
/// input, with `extra` arguments (`--as USER`).
pub fn add_user(db: &str, username: &str, role: &str, password: &str, extra: &[&str]) -> Output {
    use std::io::Write;
    let mut child = homeward()
        .args([
            "user",
            "add",
            "--username",
            username,
            "--role",
            role,
            "--password-stdin",
            "--db",
            db,
        ])
        .args(extra)
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("the homeward binary runs");
    let mut stdin = child.stdin.take().expect("piped stdin");
    stdin
        .write_all(format!("{password}\n").as_bytes())
        .expect("the password is written");
    drop(stdin);
    child.wait_with_output().expect("the homeward binary ends")
}

/// `homeward serve` on a free loopback port over the registry at `db_url`, its log drained so it
/// never blocks on a full pipe. Killed (SIGKILL) when dropped, if [`Served::kill`] did not first.
pub struct Served {
    child: std::process::Child,
    /// `127.0.0.1:PORT`, from the line the command prints when it listens.
    pub addr: String,
}

impl Served {
    pub fn start(db_url: &str) -> Served {
        Served::start_with(db_url, &[])
    }

    /// As [`Served::start`], with `env` (`HOMEWARD_*` settings) in the server's environment.
    pub fn start_with(db_url: &str, env: &[(&str, &str)]) -> Served {
        use std::io::BufRead;
        let mut child = homeward()
            .args(["serve", "--listen", "127.0.0.1:0", "--db", db_url])
            .envs(env.iter().copied())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .expect("homeward serve starts");
        // Log lines may come first; the address is on the line printed when it listens.
        let mut stderr = std::io::BufReader::new(child.stderr.take().expect("piped stderr"));
        let mut line = String::new();
        while !line.contains("listening on http://") {
            line.clear();
            assert!(
                stderr.read_line(&mut line).expect("the server's log reads") > 0,
                "the server stopped before listening"
            );
        }
        let addr = line.trim().rsplit("http://").next().unwrap_or_default().to_owned();
        std::thread::spawn(move || std::io::copy(&mut stderr, &mut std::io::sink()));
        Served { child, addr }
    }

    /// SIGKILL, and waits for the process to end.
    pub fn kill(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for Served {
    fn drop(&mut self) {
        self.kill();
    }
}
