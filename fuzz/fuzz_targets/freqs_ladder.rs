//! The ladder form of the frequency reader: errors name a line and field; what reads writes back in the
//! same form (`write_ladder`) and reads the same.
#![no_main]

use formats::{read_frequencies_as, write_ladder, FreqFormat};
use homeward_fuzz::{assert_error_names_line_and_field, freq_content, text};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let input = text(data);
    match read_frequencies_as(&input, FreqFormat::Ladder) {
        Err(e) => assert_error_names_line_and_field(&input, e.line, &e.field, &e.to_string()),
        Ok(db) => {
            let written = write_ladder(&db);
            let again = read_frequencies_as(&written, FreqFormat::Ladder)
                .unwrap_or_else(|e| panic!("write_ladder output does not read back: {e}\n{written}"));
            assert_eq!(freq_content(&again), freq_content(&db), "{written}");
        }
    }
});
