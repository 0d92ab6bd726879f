//! `read_frequencies`, the entry point the CLI uses: errors name a line and field, and the answer is
//! the detected form's reader's answer.
#![no_main]

use formats::{detect_format, read_frequencies, read_frequencies_as};
use homeward_fuzz::{assert_error_names_line_and_field, text};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let input = text(data);
    let result = read_frequencies(&input);
    if let Err(e) = &result {
        assert_error_names_line_and_field(&input, e.line, &e.field, &e.to_string());
    }
    assert_eq!(result, read_frequencies_as(&input, detect_format(&input)));
});
