//! `read_strider` (STRidER XML frequencies): errors name a line and the element; what reads writes
//! back (`write_strider`) and reads the same populations, markers, frequencies and sample sizes.
#![no_main]

use formats::{FreqMetadata, FrequencyDb};
use homeward_fuzz::{assert_reads_back, read_checked};
use libfuzzer_sys::fuzz_target;

/// A population without the line numbers, which differ between a file and its rewrite.
type Content = (FreqMetadata, Vec<(String, Vec<(String, f64)>, Option<u64>)>);

fn content(pops: &[FrequencyDb]) -> Vec<Content> {
    pops.iter()
        .map(|db| {
            let markers = db
                .markers
                .iter()
                .map(|m| (m.name.clone(), m.alleles.clone(), m.sample_size))
                .collect();
            (db.metadata.clone(), markers)
        })
        .collect()
}

fuzz_target!(|data: &[u8]| {
    if let Some(pops) = read_checked(data, formats::read_strider) {
        let write = |pops: &Vec<FrequencyDb>| formats::write_strider(pops);
        let content = |pops: &Vec<FrequencyDb>| content(pops);
        assert_reads_back(&pops, "write_strider", write, formats::read_strider, content);
    }
});
