//! `read_cmf` (CODIS CMF 3.2 XML): errors name a line and the element; what reads writes back
//! (`write_cmf`) and reads the same (line numbers aside).
#![no_main]

use formats::CmfFile;
use homeward_fuzz::{assert_reads_back, read_checked};
use libfuzzer_sys::fuzz_target;

/// The file without the line numbers, which differ between a file and its rewrite.
fn without_lines(f: &CmfFile) -> CmfFile {
    let mut f = f.clone();
    for s in &mut f.specimens {
        s.line = 0;
        s.loci.iter_mut().for_each(|l| l.line = 0);
    }
    f
}

fuzz_target!(|data: &[u8]| {
    if let Some(cmf) = read_checked(data, formats::read_cmf) {
        assert_reads_back(&cmf, "write_cmf", formats::write_cmf, formats::read_cmf, without_lines);
    }
});
