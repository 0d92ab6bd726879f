//! `read_vcf` (no writer): errors name a line and field; records keep file order and lines, and
//! every record has one call per sample.
#![no_main]

use homeward_fuzz::read_checked;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Some(vcf) = read_checked(data, formats::read_vcf) {
        assert!(
            vcf.records.windows(2).all(|w| w[0].line < w[1].line),
            "records out of file order"
        );
        assert!(
            vcf.records.iter().all(|r| r.calls.len() == vcf.samples.len()),
            "calls per sample"
        );
    }
});
