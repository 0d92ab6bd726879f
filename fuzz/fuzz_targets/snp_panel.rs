//! `read_snp_panel` (no writer): errors name a line and column; SNPs keep file order and lines.
#![no_main]

use homeward_fuzz::{assert_error_names_line_and_field, text};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let input = text(data);
    match formats::read_snp_panel(&input) {
        Err(e) => assert_error_names_line_and_field(&input, e.line, &e.column, &e.to_string()),
        Ok(panel) => assert!(
            panel.snps.windows(2).all(|w| w[0].line < w[1].line),
            "SNPs out of file order"
        ),
    }
});
