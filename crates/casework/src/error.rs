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

/// Whether `e` is input the user must fix (exit code 2): an [`InputError`], or a fault of a CSV
/// table (`formats::TableError`: file, line and column), however much context it carries.
pub fn is_bad_input(e: &anyhow::Error) -> bool {
    e.downcast_ref::<InputError>().is_some() || e.downcast_ref::<formats::TableError>().is_some()
}

/// Builds an [`InputError`] from format arguments.
#[macro_export]
macro_rules! input_error {
    ($($arg:tt)*) => {
        anyhow::Error::new($crate::error::InputError(format!($($arg)*)))
    };
}
