//! `read_y_database` (Y-STR reference database; no writer): errors name a line and field; records keep file
//! order, have one value per locus column and unique ids.
#![no_main]

use homeward_fuzz::read_checked;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Some(db) = read_checked(data, formats::read_y_database) {
        assert!(!db.loci.is_empty(), "a database without loci was accepted");
        assert!(
            db.records.iter().all(|r| r.values.len() == db.loci.len()),
            "a record lost a column"
        );
        assert!(
            db.records.windows(2).all(|w| w[0].line < w[1].line),
            "records out of file order"
        );
        let mut ids: Vec<&str> = db.records.iter().map(|r| r.id.as_str()).collect();
        ids.sort_unstable();
        assert!(ids.windows(2).all(|w| w[0] != w[1]), "an id given twice was accepted");
    }
});
