//! The long form of the frequency reader (no writer): errors name a line and field.
#![no_main]

use formats::{read_frequencies_as, FreqFormat};
use homeward_fuzz::{assert_error_names_line_and_field, text};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let input = text(data);
    if let Err(e) = read_frequencies_as(&input, FreqFormat::Long) {
        assert_error_names_line_and_field(&input, e.line, &e.field, &e.to_string());
    }
});
