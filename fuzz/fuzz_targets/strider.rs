//! `read_strider` (STRidER XML frequencies): errors name a line and the element; what reads writes
//! back (`write_strider`) and reads the same populations, markers, frequencies and sample sizes.
#![no_main]

use formats::{FreqMetadata, FrequencyDb};
use homeward_fuzz::{assert_error_names_line_and_field, text};
use libfuzzer_sys::fuzz_target;

/// A population without the line numbers, which differ between a file and its rewrite.
type Content<'a> = (&'a FreqMetadata, Vec<(&'a str, &'a [(String, f64)], Option<u64>)>);

fn content(pops: &[FrequencyDb]) -> Vec<Content<'_>> {
    pops.iter()
        .map(|db| {
            let markers = db
                .markers
                .iter()
                .map(|m| (m.name.as_str(), m.alleles.as_slice(), m.sample_size))
                .collect();
            (&db.metadata, markers)
        })
        .collect()
}

fuzz_target!(|data: &[u8]| {
    let input = text(data);
    match formats::read_strider(&input) {
        Err(e) => assert_error_names_line_and_field(&input, e.line, &e.element, &e.to_string()),
        Ok(pops) => {
            let written = formats::write_strider(&pops);
            let again = formats::read_strider(&written)
                .unwrap_or_else(|e| panic!("write_strider output does not read back: {e}\n{written}"));
            assert_eq!(content(&again), content(&pops), "{written}");
        }
    }
});
