//! `read_fam` (Familias `.fam`): errors name a line and field; what reads writes back (`write_fam`),
//! reads the same (line numbers aside), and writing that again gives the same text.
#![no_main]

use formats::FamFile;
use homeward_fuzz::{assert_reads_back, read_checked};
use libfuzzer_sys::fuzz_target;

/// The file without its line numbers, which differ between a file and its rewrite.
fn without_lines(fam: &FamFile) -> FamFile {
    let mut fam = fam.clone();
    fam.clear_lines();
    fam
}

fuzz_target!(|data: &[u8]| {
    if let Some(fam) = read_checked(data, formats::read_fam) {
        let (written, again) =
            assert_reads_back(&fam, "write_fam", formats::write_fam, formats::read_fam, without_lines);
        assert_eq!(formats::write_fam(&again), written, "writing is not stable");
    }
});
