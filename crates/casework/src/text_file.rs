//! Reading an input file as UTF-8 text, with the line of the first byte that is not.

use std::path::Path;

use anyhow::Result;

use crate::input_error;

/// The file's text; a file that is not UTF-8 is bad input naming the line where it stops being so.
pub fn read_utf8(path: &Path) -> Result<String> {
    let bytes = std::fs::read(path).map_err(|e| input_error!("{}: cannot read: {e}", path.display()))?;
    utf8(&path.display().to_string(), bytes)
}

/// As [`read_utf8`], from `input`; `label` names it in errors.
pub fn utf8_text(label: &str, mut input: impl std::io::Read) -> Result<String> {
    let mut bytes = Vec::new();
    input
        .read_to_end(&mut bytes)
        .map_err(|e| input_error!("{label}: cannot read: {e}"))?;
    utf8(label, bytes)
}

fn utf8(label: &str, bytes: Vec<u8>) -> Result<String> {
    String::from_utf8(bytes).map_err(|e| {
        let valid = &e.as_bytes()[..e.utf8_error().valid_up_to()];
        let line = valid.iter().filter(|&&b| b == b'\n').count() + 1;
        input_error!("{label}: line {line}: the file is not UTF-8 text (convert it to UTF-8 first)")
    })
}

#[cfg(test)]
mod tests {
    #[test]
    fn names_the_line_of_the_first_bad_byte() {
        let path = std::env::temp_dir().join(format!("homeward-text-file-{}", std::process::id()));
        std::fs::write(&path, b"0 HEAD\n1 NAME Ren\xe9\n").unwrap();
        let e = super::read_utf8(&path).unwrap_err().to_string();
        assert!(
            e.ends_with("line 2: the file is not UTF-8 text (convert it to UTF-8 first)"),
            "{e}"
        );
        std::fs::write(&path, "0 HEAD\n1 NAME 山田\n").unwrap();
        assert_eq!(super::read_utf8(&path).unwrap(), "0 HEAD\n1 NAME 山田\n");
        std::fs::remove_file(&path).unwrap();
    }
}
