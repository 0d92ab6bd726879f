//! `read_strider` (STRidER XML frequencies): errors name a line and the element; what reads writes
//! back (`write_strider`) and reads the same populations, markers, frequencies and sample sizes.
#![no_main]

use formats::FrequencyDb;
use homeward_fuzz::{assert_reads_back, freq_content, read_checked};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Some(pops) = read_checked(data, formats::read_strider) {
        let write = |pops: &Vec<FrequencyDb>| formats::write_strider(pops);
        // The populations without their line numbers.
        let content = |pops: &Vec<FrequencyDb>| pops.iter().map(freq_content).collect::<Vec<_>>();
        assert_reads_back(&pops, "write_strider", write, formats::read_strider, content);
    }
});
