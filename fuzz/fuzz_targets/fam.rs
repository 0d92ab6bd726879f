//! `read_fam` (Familias `.fam`): errors name a line and field; what reads writes back (`write_fam`),
//! reads the same (line numbers aside), and writing that again gives the same text.
#![no_main]

use homeward_fuzz::{assert_error_names_line_and_field, text};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let input = text(data);
    match formats::read_fam(&input) {
        Err(e) => assert_error_names_line_and_field(&input, e.line, &e.field, &e.to_string()),
        Ok(mut fam) => {
            let written = formats::write_fam(&fam);
            let mut again = formats::read_fam(&written)
                .unwrap_or_else(|e| panic!("write_fam output does not read back: {e}\n{written}"));
            assert_eq!(formats::write_fam(&again), written, "writing is not stable");
            fam.clear_lines();
            again.clear_lines();
            assert_eq!(again, fam, "{written}");
        }
    }
});
