//! An error with its chain of causes on one line, for logs: `tracing` fields take one value, and an
//! error's own message often leaves out why (a sqlx error says "error communicating with
//! database" and keeps the I/O error as its source).

use std::error::Error;
use std::fmt;

/// Displays an error and then each cause that its message does not already quote (thiserror's
/// `#[error("database: {0}")]` quotes its source; a bare `#[source]` does not), joined by `: `.
#[derive(Debug, Clone, Copy)]
pub struct Causes<'a>(pub &'a (dyn Error + 'static));

impl fmt::Display for Causes<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut text = self.0.to_string();
        let mut source = self.0.source();
        while let Some(cause) = source {
            let said = cause.to_string();
            if !text.contains(&said) {
                text.push_str(": ");
                text.push_str(&said);
            }
            source = cause.source();
        }
        f.write_str(&text)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, thiserror::Error)]
    #[error("disk full")]
    struct Disk;

    #[derive(Debug, thiserror::Error)]
    enum Outer {
        #[error("saving the job")]
        Silent(#[source] Disk),
        #[error("saving the job: {0}")]
        Quoting(#[source] Disk),
    }

    #[test]
    fn every_cause_appears_once() {
        assert_eq!(Causes(&Outer::Silent(Disk)).to_string(), "saving the job: disk full");
        assert_eq!(Causes(&Outer::Quoting(Disk)).to_string(), "saving the job: disk full");
        assert_eq!(Causes(&Disk).to_string(), "disk full");
    }
}
