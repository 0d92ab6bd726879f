//! `read_vcf` (no writer): errors name a line and field; records keep file order and lines, and
//! every record has one call per sample.
#![no_main]

use homeward_fuzz::{assert_error_names_line_and_field, text};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let input = text(data);
    match formats::read_vcf(&input) {
        Err(e) => assert_error_names_line_and_field(&input, e.line, &e.field, &e.to_string()),
        Ok(vcf) => {
            assert!(vcf.records.windows(2).all(|w| w[0].line < w[1].line), "records out of file order");
            assert!(vcf.records.iter().all(|r| r.calls.len() == vcf.samples.len()), "calls per sample");
        }
    }
});
