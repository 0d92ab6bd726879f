//! Errors of the command line: bad input (exit code 2) and everything else (exit code 1).

use std::fmt;

/// Input the user must fix: a file, line and field, and what is wrong there.
#[derive(Debug)]
pub struct InputError(pub String);

impl fmt::Display for InputError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for InputError {}

/// Builds an [`InputError`] from format arguments.
#[macro_export]
macro_rules! input_error {
    ($($arg:tt)*) => {
        anyhow::Error::new($crate::error::InputError(format!($($arg)*)))
    };
}
