//! `read_mutation_table` (no writer): errors name a line and field; rows keep file order and lines.
#![no_main]

use homeward_fuzz::{assert_error_names_line_and_field, text};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let input = text(data);
    match formats::read_mutation_table(&input) {
        Err(e) => assert_error_names_line_and_field(&input, e.line, &e.field, &e.to_string()),
        Ok(rows) => assert!(rows.windows(2).all(|w| w[0].line < w[1].line), "rows out of file order"),
    }
});
