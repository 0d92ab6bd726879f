//! `read_cmf` (CODIS CMF 3.2 XML): errors name a line and the element; what reads writes back
//! (`write_cmf`) and reads the same (line numbers aside).
#![no_main]

use formats::CmfFile;
use homeward_fuzz::{assert_error_names_line_and_field, text};
use libfuzzer_sys::fuzz_target;

/// The file without the line numbers, which differ between a file and its rewrite.
fn without_lines(mut f: CmfFile) -> CmfFile {
    for s in &mut f.specimens {
        s.line = 0;
        s.loci.iter_mut().for_each(|l| l.line = 0);
    }
    f
}

fuzz_target!(|data: &[u8]| {
    let input = text(data);
    match formats::read_cmf(&input) {
        Err(e) => assert_error_names_line_and_field(&input, e.line, &e.element, &e.to_string()),
        Ok(cmf) => {
            let written = formats::write_cmf(&cmf);
            let again = formats::read_cmf(&written)
                .unwrap_or_else(|e| panic!("write_cmf output does not read back: {e}\n{written}"));
            assert_eq!(without_lines(again), without_lines(cmf), "{written}");
        }
    }
});
