//! UTC timestamps as RFC 3339 text with milliseconds (`YYYY-MM-DDTHH:MM:SS.mmmZ`): the one form
//! the registry stores instants in, so that they sort as text. The calendar arithmetic is
//! `jiff`'s (the server reads these instants with it too).

/// Now, as `YYYY-MM-DDTHH:MM:SS.mmmZ`.
pub fn now_utc() -> String {
    write_utc(jiff::Timestamp::now())
}

/// Seconds (and milliseconds) since the epoch as RFC 3339 UTC; out of jiff's range (years
/// −9999 to 9999) the nearest end of it.
pub fn format_utc(secs: i64, millis: u32) -> String {
    let at = jiff::Timestamp::new(secs, (millis.min(999) * 1_000_000) as i32).unwrap_or(if secs < 0 {
        jiff::Timestamp::MIN
    } else {
        jiff::Timestamp::MAX
    });
    write_utc(at)
}

fn write_utc(at: jiff::Timestamp) -> String {
    // Truncated, not rounded, to the millisecond: a later instant never prints earlier.
    at.strftime("%Y-%m-%dT%H:%M:%S%.3fZ").to_string()
}

#[cfg(test)]
mod tests {
    #[test]
    fn known_instants() {
        assert_eq!(super::format_utc(0, 0), "1970-01-01T00:00:00.000Z");
        assert_eq!(super::format_utc(951_782_400, 5), "2000-02-29T00:00:00.005Z");
        assert_eq!(super::format_utc(951_868_799, 999), "2000-02-29T23:59:59.999Z");
        assert_eq!(super::format_utc(1_795_824_000, 0), "2026-11-28T00:00:00.000Z");
        assert_eq!(super::format_utc(-14_182_940, 0), "1969-07-20T20:17:40.000Z");
    }

    #[test]
    fn now_has_the_stored_form() {
        let now = super::now_utc();
        assert_eq!(now.len(), 24, "{now}");
        assert!(
            now.ends_with('Z') && now.as_bytes()[10] == b'T' && now.as_bytes()[19] == b'.',
            "{now}"
        );
    }
}
