//! `read_genemapper` (no writer): errors name a line and column; every profile names a sample.
#![no_main]

use homeward_fuzz::{assert_error_names_line_and_field, text};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let input = text(data);
    match formats::read_genemapper(&input) {
        Err(e) => assert_error_names_line_and_field(&input, e.line, &e.column, &e.to_string()),
        Ok(profiles) => assert!(profiles.iter().all(|p| !p.sample.is_empty() && p.line >= 1)),
    }
});
