//! `read_mutation_table` (no writer): errors name a line and field; rows keep file order and lines.
#![no_main]

use homeward_fuzz::read_checked;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Some(rows) = read_checked(data, formats::read_mutation_table) {
        assert!(rows.windows(2).all(|w| w[0].line < w[1].line), "rows out of file order");
    }
});
