//! `read_genemapper` (no writer): errors name a line and column; every profile names a sample.
#![no_main]

use homeward_fuzz::read_checked;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Some(profiles) = read_checked(data, formats::read_genemapper) {
        assert!(profiles.iter().all(|p| !p.sample.is_empty() && p.line >= 1));
    }
});
