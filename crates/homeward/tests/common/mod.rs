//! Helpers the CLI tests share.

use std::path::PathBuf;

/// A scratch directory for one test, removed when the test ends.
pub struct Dir(pub PathBuf);

impl Dir {
    /// `<tmp>/homeward-<suite>-<pid>-<name>`, created empty.
    pub fn new(suite: &str, name: &str) -> Dir {
        let dir = std::env::temp_dir().join(format!("homeward-{suite}-{}-{name}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        Dir(dir)
    }

    /// Writes `text` to `name` in the directory and returns its path.
    pub fn file(&self, name: &str, text: &str) -> PathBuf {
        let p = self.0.join(name);
        std::fs::write(&p, text).unwrap();
        p
    }
}

impl Drop for Dir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}
