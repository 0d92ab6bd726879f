//! The long form of the frequency reader (no writer): errors name a line and field.
#![no_main]

use formats::{read_frequencies_as, FreqFormat};
use homeward_fuzz::read_checked;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    read_checked(data, |text| read_frequencies_as(text, FreqFormat::Long));
});
