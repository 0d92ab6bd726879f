//! `read_mt_database` (mtDNA reference database; no writer): errors name a line and field; records keep file
//! order and have unique, non-empty ids.
#![no_main]

use homeward_fuzz::read_checked;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Some(db) = read_checked(data, formats::read_mt_database) {
        assert!(
            db.records.windows(2).all(|w| w[0].line < w[1].line),
            "records out of file order"
        );
        let mut ids: Vec<&str> = db.records.iter().map(|r| r.id.as_str()).collect();
        assert!(ids.iter().all(|id| !id.is_empty()), "an empty id was accepted");
        ids.sort_unstable();
        assert!(ids.windows(2).all(|w| w[0] != w[1]), "an id given twice was accepted");
    }
});
