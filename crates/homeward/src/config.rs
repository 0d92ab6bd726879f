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
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            db: "sqlite://homeward.db".into(),
            listen: "127.0.0.1:8080".into(),
            max_body_bytes: 1024 * 1024,
            session_hours: 12,
            frequencies: None,
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
        s.session_hours = f.session_hours.unwrap_or(s.session_hours);
        s.frequencies = f.frequencies.or(s.frequencies);
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
    let number = |key: &str, v: String| -> Result<u64> {
        v.trim()
            .parse::<u64>()
            .map_err(|_| input_error!("environment variable {key}: '{v}' is not a whole number"))
    };
    if let Some(v) = env("HOMEWARD_MAX_BODY_BYTES") {
        s.max_body_bytes = number("HOMEWARD_MAX_BODY_BYTES", v)? as usize;
    }
    if let Some(v) = env("HOMEWARD_SESSION_HOURS") {
        s.session_hours = number("HOMEWARD_SESSION_HOURS", v)?;
    }
    Ok(s)
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
        std::fs::write(&file, "db = \"x\"\nport = 80\n").unwrap();
        let e = load(Some(&file), |_| None).unwrap_err().to_string();
        assert!(e.contains("line 2") && e.contains("port"), "{e}");
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
