//! `Profiles::check` (`homeward import profiles`, before the registry is consulted): no panic, and every
//! error names its line and column (as `fuzz.csv: line N, column 'C': …`).
#![no_main]

use casework::import::Import;
use homeward_fuzz::{assert_csv_error_names_line_and_column, text};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let input = text(data);
    if let Err(e) = casework::import::profiles::Profiles.check("fuzz.csv", &input) {
        assert_csv_error_names_line_and_column(&input, &format!("{e:#}"));
    }
});
