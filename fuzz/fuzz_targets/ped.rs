//! `read_ped`: errors name a line and field; what reads writes back (`write_ped`) and reads the same.
#![no_main]

use homeward_fuzz::{assert_reads_back, read_checked};
use libfuzzer_sys::fuzz_target;

/// The file without its line numbers, which differ (blank and comment lines are not written).
fn without_lines(ped: &formats::PedFile) -> formats::PedFile {
    let mut ped = ped.clone();
    ped.rows.iter_mut().for_each(|r| r.line = 0);
    ped
}

fuzz_target!(|data: &[u8]| {
    if let Some(ped) = read_checked(data, formats::read_ped) {
        assert_reads_back(&ped, "write_ped", formats::write_ped, formats::read_ped, without_lines);
    }
});
