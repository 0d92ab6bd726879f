//! `read_snp_panel` (no writer): errors name a line and column; SNPs keep file order and lines.
#![no_main]

use homeward_fuzz::read_checked;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Some(panel) = read_checked(data, formats::read_snp_panel) {
        assert!(
            panel.snps.windows(2).all(|w| w[0].line < w[1].line),
            "SNPs out of file order"
        );
    }
});
