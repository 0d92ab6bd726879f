//! One configuration, layered: defaults → `homeward.toml` (or `--config FILE`) → `HOMEWARD_*`
//! environment → command-line flags. `homeward.example.toml` at the repository root documents
//! every key; a test keeps it in step with [`FileConfig`].

use std::path::{Path, PathBuf};

use anyhow::Result;
use serde::Deserialize;

use casework::input_error;

/// The keys a configuration file may hold.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FileConfig {
    pub db: Option<String>,
    pub listen: Option<String>,
    pub max_body_bytes: Option<usize>,
    pub session_hours: Option<u64>,
    pub frequencies: Option<PathBuf>,
    pub public_url: Option<String>,
    pub behind_proxy: Option<bool>,
    pub lockout_after: Option<u64>,
    pub sign_in_delay_ms: Option<u64>,
    pub token_days: Option<u64>,
    pub max_connections: Option<u64>,
    pub header_timeout_secs: Option<u64>,
    pub body_timeout_secs: Option<u64>,
    pub idle_timeout_secs: Option<u64>,
}

/// The settings in force.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Settings {
    pub db: String,
    pub listen: String,
    pub max_body_bytes: usize,
    pub session_hours: u64,
    /// Allele frequencies for matching jobs (none: jobs cannot run).
    pub frequencies: Option<PathBuf>,
    /// Where users reach the server (`https://…`: cookies are `Secure`).
    pub public_url: Option<String>,
    /// A reverse proxy in front: clients' addresses from its `X-Forwarded-For`.
    pub behind_proxy: bool,
    /// Failed sign-ins after which an account is locked until an administrator unlocks it.
    pub lockout_after: u64,
    /// The first delay after repeated failed sign-ins, doubling with each further failure.
    pub sign_in_delay_ms: u64,
    /// How long a new API token lasts, in days.
    pub token_days: u64,
    pub max_connections: u64,
    pub header_timeout_secs: u64,
    pub body_timeout_secs: u64,
    pub idle_timeout_secs: u64,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            db: "sqlite://homeward.db".into(),
            listen: "127.0.0.1:8080".into(),
            max_body_bytes: 1024 * 1024,
            session_hours: 12,
            frequencies: None,
            public_url: None,
            behind_proxy: false,
            lockout_after: 10,
            sign_in_delay_ms: 1000,
            token_days: 90,
            max_connections: 512,
            header_timeout_secs: 10,
            body_timeout_secs: 30,
            idle_timeout_secs: 60,
        }
    }
}

/// Reads a configuration file; errors name the file, line and key.
pub fn read_file(path: &Path) -> Result<FileConfig> {
    let text = std::fs::read_to_string(path).map_err(|e| input_error!("{}: cannot read: {e}", path.display()))?;
    toml::from_str(&text).map_err(|e| {
        let line = e.span().map_or(1, |s| text[..s.start].matches('\n').count() + 1);
        input_error!("{}: line {line}: {}", path.display(), e.message())
    })
}

/// Defaults, then the file (`explicit`, or `./homeward.toml` if present), then the environment
/// (`env` gives a variable's value; the real environment in production).
pub fn load(explicit: Option<&PathBuf>, env: impl Fn(&str) -> Option<String>) -> Result<Settings> {
    let mut s = Settings::default();
    let file = match explicit {
        Some(p) => Some(read_file(p)?),
        None if Path::new("homeward.toml").exists() => Some(read_file(Path::new("homeward.toml"))?),
        None => None,
    };
    if let Some(f) = file {
        s.db = f.db.unwrap_or(s.db);
        s.listen = f.listen.unwrap_or(s.listen);
        s.max_body_bytes = f.max_body_bytes.unwrap_or(s.max_body_bytes);
        s.frequencies = f.frequencies.or(s.frequencies);
        s.public_url = f.public_url.or(s.public_url);
        s.behind_proxy = f.behind_proxy.unwrap_or(s.behind_proxy);
        for (key, value) in [
            ("session_hours", f.session_hours),
            ("lockout_after", f.lockout_after),
            ("sign_in_delay_ms", f.sign_in_delay_ms),
            ("token_days", f.token_days),
            ("max_connections", f.max_connections),
            ("header_timeout_secs", f.header_timeout_secs),
            ("body_timeout_secs", f.body_timeout_secs),
            ("idle_timeout_secs", f.idle_timeout_secs),
        ] {
            if let Some(v) = value {
                s.set_number(key, v, &format!("key {key}"))?;
            }
        }
    }
    if let Some(v) = env("HOMEWARD_DB") {
        s.db = v;
    }
    if let Some(v) = env("HOMEWARD_FREQUENCIES") {
        s.frequencies = Some(PathBuf::from(v));
    }
    if let Some(v) = env("HOMEWARD_LISTEN") {
        s.listen = v;
    }
    if let Some(v) = env("HOMEWARD_PUBLIC_URL") {
        s.public_url = Some(v);
    }
    if let Some(v) = env("HOMEWARD_BEHIND_PROXY") {
        s.behind_proxy = match v.trim() {
            "true" | "1" | "yes" => true,
            "false" | "0" | "no" => false,
            _ => {
                return Err(input_error!(
                    "environment variable HOMEWARD_BEHIND_PROXY: '{v}' is not true or false"
                ))
            }
        };
    }
    let number = |key: &str, v: String| -> Result<u64> {
        v.trim()
            .parse::<u64>()
            .map_err(|_| input_error!("environment variable {key}: '{v}' is not a whole number"))
    };
    if let Some(v) = env("HOMEWARD_MAX_BODY_BYTES") {
        s.max_body_bytes = number("HOMEWARD_MAX_BODY_BYTES", v)? as usize;
    }
    for key in NUMBER_KEYS {
        let var = format!("HOMEWARD_{}", key.to_ascii_uppercase());
        if let Some(v) = env(&var) {
            let n = number(&var, v)?;
            s.set_number(key, n, &format!("environment variable {var}"))?;
        }
    }
    if let Some(url) = &s.public_url {
        let lower = url.trim().to_ascii_lowercase();
        if !(lower.starts_with("https://") || lower.starts_with("http://")) {
            return Err(input_error!(
                "public_url: '{url}' is not an http:// or https:// address"
            ));
        }
    }
    Ok(s)
}

/// The whole-number settings besides `max_body_bytes`, by file key (`HOMEWARD_` and the key in
/// capitals in the environment).
const NUMBER_KEYS: [&str; 8] = [
    "session_hours",
    "lockout_after",
    "sign_in_delay_ms",
    "token_days",
    "max_connections",
    "header_timeout_secs",
    "body_timeout_secs",
    "idle_timeout_secs",
];

impl Settings {
    /// Sets a whole-number key; only `sign_in_delay_ms` may be 0. `origin` names the key's source.
    fn set_number(&mut self, key: &str, value: u64, origin: &str) -> Result<()> {
        if value == 0 && key != "sign_in_delay_ms" {
            return Err(input_error!("{origin}: must be at least 1"));
        }
        let slot = match key {
            "session_hours" => &mut self.session_hours,
            "lockout_after" => &mut self.lockout_after,
            "sign_in_delay_ms" => &mut self.sign_in_delay_ms,
            "token_days" => &mut self.token_days,
            "max_connections" => &mut self.max_connections,
            "header_timeout_secs" => &mut self.header_timeout_secs,
            "body_timeout_secs" => &mut self.body_timeout_secs,
            _ => &mut self.idle_timeout_secs,
        };
        *slot = value;
        Ok(())
    }

    /// The server's settings from these.
    pub fn server_config(&self) -> server::ServerConfig {
        use std::time::Duration;
        server::ServerConfig {
            max_body_bytes: self.max_body_bytes,
            session_hours: self.session_hours,
            matching: None,
            public_url: self.public_url.clone(),
            behind_proxy: self.behind_proxy,
            sign_in: server::SignInPolicy {
                lockout_after: self.lockout_after.min(u64::from(u32::MAX)) as u32,
                first_delay_ms: self.sign_in_delay_ms,
            },
            token_days: self.token_days.min(u64::from(u32::MAX)) as u32,
            connections: server::ConnectionLimits {
                max_connections: self.max_connections.min(1 << 20) as usize,
                header_timeout: Duration::from_secs(self.header_timeout_secs),
                body_timeout: Duration::from_secs(self.body_timeout_secs),
                idle_timeout: Duration::from_secs(self.idle_timeout_secs),
            },
            // Read by `homeward serve` from --tls-cert/--tls-key.
            tls: None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn example() -> PathBuf {
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../../homeward.example.toml")
    }

    #[test]
    fn the_example_file_sets_every_key_to_its_default() {
        let f = read_file(&example()).unwrap();
        let d = Settings::default();
        assert_eq!(
            f,
            FileConfig {
                db: Some(d.db),
                listen: Some(d.listen),
                max_body_bytes: Some(d.max_body_bytes),
                session_hours: Some(d.session_hours),
                // Commented out in the example: no database is bundled for casework.
                frequencies: None,
                // Commented out in the example: no public address by default.
                public_url: None,
                behind_proxy: Some(d.behind_proxy),
                lockout_after: Some(d.lockout_after),
                sign_in_delay_ms: Some(d.sign_in_delay_ms),
                token_days: Some(d.token_days),
                max_connections: Some(d.max_connections),
                header_timeout_secs: Some(d.header_timeout_secs),
                body_timeout_secs: Some(d.body_timeout_secs),
                idle_timeout_secs: Some(d.idle_timeout_secs),
            },
            "homeward.example.toml must list every key with its default"
        );
    }

    #[test]
    fn layers_apply_in_order() {
        let dir = std::env::temp_dir().join(format!("homeward-config-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let file = dir.join("h.toml");
        std::fs::write(&file, "db = \"sqlite:///tmp/x.db\"\nsession_hours = 2\n").unwrap();
        let s = load(Some(&file), |k| (k == "HOMEWARD_SESSION_HOURS").then(|| "5".to_owned())).unwrap();
        assert_eq!(s.db, "sqlite:///tmp/x.db");
        assert_eq!(s.session_hours, 5, "the environment wins over the file");
        assert_eq!(s.listen, "127.0.0.1:8080");
        let e = load(Some(&file), |k| (k == "HOMEWARD_LOCKOUT_AFTER").then(|| "0".to_owned()))
            .unwrap_err()
            .to_string();
        assert!(e.contains("HOMEWARD_LOCKOUT_AFTER"), "{e}");
        std::fs::write(
            &file,
            "public_url = \"https://homeward.example.org\"\nheader_timeout_secs = 2\n",
        )
        .unwrap();
        let s = load(Some(&file), |_| None).unwrap();
        assert!(s.server_config().secure_cookies());
        assert_eq!(s.server_config().connections.header_timeout.as_secs(), 2);
        std::fs::write(&file, "public_url = \"homeward.example.org\"\n").unwrap();
        let e = load(Some(&file), |_| None).unwrap_err().to_string();
        assert!(e.contains("public_url"), "{e}");
        std::fs::write(&file, "db = \"x\"\nport = 80\n").unwrap();
        let e = load(Some(&file), |_| None).unwrap_err().to_string();
        assert!(e.contains("line 2") && e.contains("port"), "{e}");
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
