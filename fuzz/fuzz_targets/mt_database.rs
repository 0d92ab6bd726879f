//! `read_mt_database` (mtDNA reference database; no writer): errors name a line and field; records keep file
//! order and have unique, non-empty ids.
#![no_main]

use homeward_fuzz::{assert_error_names_line_and_field, text};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let input = text(data);
    match formats::read_mt_database(&input) {
        Err(e) => assert_error_names_line_and_field(&input, e.line, &e.field, &e.to_string()),
        Ok(db) => {
            assert!(db.records.windows(2).all(|w| w[0].line < w[1].line), "records out of file order");
            let mut ids: Vec<&str> = db.records.iter().map(|r| r.id.as_str()).collect();
            assert!(ids.iter().all(|id| !id.is_empty()), "an empty id was accepted");
            ids.sort_unstable();
            assert!(ids.windows(2).all(|w| w[0] != w[1]), "an id given twice was accepted");
        }
    }
});
