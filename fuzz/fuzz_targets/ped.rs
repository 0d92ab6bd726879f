//! `read_ped`: errors name a line and field; what reads writes back (`write_ped`) and reads the same.
#![no_main]

use homeward_fuzz::{assert_error_names_line_and_field, text};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let input = text(data);
    match formats::read_ped(&input) {
        Err(e) => assert_error_names_line_and_field(&input, e.line, &e.field, &e.to_string()),
        Ok(ped) => {
            let written = formats::write_ped(&ped);
            let again = formats::read_ped(&written)
                .unwrap_or_else(|e| panic!("write_ped output does not read back: {e}\n{written}"));
            // Line numbers differ (blank and comment lines are not written); the rest must not.
            let strip = |p: &formats::PedFile| {
                let mut p = p.clone();
                p.rows.iter_mut().for_each(|r| r.line = 0);
                p
            };
            assert_eq!(strip(&again), strip(&ped), "{written}");
        }
    }
});
