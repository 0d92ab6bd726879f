//! `read_gedcom` (GEDCOM 7.0 / 5.5.1) and `GedcomFile::pedigree`: errors name a line and show its
//! tag when they have one; what reads writes back (`write_gedcom`) and reads the same content (line
//! numbers and warnings aside), and its pedigree is built or refused the same way.
#![no_main]

use formats::GedcomError;
use homeward_fuzz::{assert_error_names_line, text};
use libfuzzer_sys::fuzz_target;

/// Lines as the GEDCOM reader counts them: LF, CRLF and a lone CR each end one.
fn gedcom_lines(input: &str) -> usize {
    input
        .split('\n')
        .map(|l| l.strip_suffix('\r').unwrap_or(l).split('\r').count())
        .sum()
}

/// The line is inside the file; the tag, when the error has one (a malformed line has none), is a
/// tag and the message shows it.
fn check_error(input: &str, e: &GedcomError) {
    let message = e.to_string();
    assert_error_names_line(gedcom_lines(input), e.line, &message);
    if !e.tag.is_empty() {
        assert!(
            e.tag.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_'),
            "'{}' is not a tag: {message}",
            e.tag
        );
        assert!(
            message.contains(&format!(", {}", e.tag)),
            "message does not show the tag: {message}"
        );
    }
}

fuzz_target!(|data: &[u8]| {
    let input = text(data);
    match formats::read_gedcom(&input) {
        Err(e) => check_error(&input, &e),
        Ok(file) => {
            let pedigree = file.pedigree();
            if let Err(e) = &pedigree {
                check_error(&input, e);
            }
            let written = formats::write_gedcom(&file);
            let again = formats::read_gedcom(&written)
                .unwrap_or_else(|e| panic!("write_gedcom output does not read back: {e}\n{written}"));
            assert_eq!(
                again.pedigree().is_ok(),
                pedigree.is_ok(),
                "the rewrite's pedigree is built or refused differently: {:?}\n{written}",
                pedigree.err()
            );
            assert_eq!(again.content(), file.content(), "{written}");
        }
    }
});
