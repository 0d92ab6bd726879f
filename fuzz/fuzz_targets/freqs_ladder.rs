//! The ladder form of the frequency reader: errors name a line and field; what reads writes back in the
//! same form (`write_ladder`) and reads the same.
#![no_main]

use formats::{read_frequencies_as, write_ladder, FreqFormat};
use homeward_fuzz::{assert_reads_back, freq_content, read_checked};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let read = |text: &str| read_frequencies_as(text, FreqFormat::Ladder);
    if let Some(db) = read_checked(data, read) {
        assert_reads_back(&db, "write_ladder", write_ladder, read, freq_content);
    }
});
