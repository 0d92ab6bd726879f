//! The canonical spelling of romaji, to which Hepburn, Kunrei and Nihon-shiki spellings and every
//! way of writing a long vowel reduce: shi/si → si, chi/ti → ti, tsu/tu → tu, fu/hu → hu,
//! ji/zi/di → zi, du/zu → zu, sha/sya → sya, cha/tya → tya, ja/zya → zya, wo → o; m before b, m
//! or p → n (Shimbashi, Sinbasi); tch → ch (Hatchōbori); h lengthening a vowel before a consonant
//! or at the end dropped (Ohno, Satoh); ou → o; every doubled letter single (Oono, Yuuko, Hattori).
//!
//! The canonical form is a key, not a spelling anyone writes: it conflates what a reader would
//! (大野 Ōno and 小野 Ono), which a search may rank but must not miss.

/// Spelling rules applied left to right, longest match first.
const RULES: &[(&str, &str)] = &[
    ("tch", "ch"),
    ("sha", "sya"),
    ("shu", "syu"),
    ("sho", "syo"),
    ("she", "sye"),
    ("shi", "si"),
    ("chi", "ti"),
    ("cha", "tya"),
    ("chu", "tyu"),
    ("cho", "tyo"),
    ("che", "tye"),
    ("tsu", "tu"),
    ("dzu", "zu"),
    ("ja", "zya"),
    ("ju", "zyu"),
    ("jo", "zyo"),
    ("je", "zye"),
    ("ji", "zi"),
    ("jy", "zy"),
    ("dya", "zya"),
    ("dyu", "zyu"),
    ("dyo", "zyo"),
    ("di", "zi"),
    ("du", "zu"),
    ("fu", "hu"),
    ("wo", "o"),
];

fn is_vowel(c: u8) -> bool {
    matches!(c, b'a' | b'i' | b'u' | b'e' | b'o')
}

/// The canonical spelling of `run`, a run of ASCII lower-case letters. Idempotent.
pub fn canonical(run: &str) -> String {
    let mut current = run.to_owned();
    // Each pass only shortens or keeps the text, and a pass that changes nothing ends it.
    loop {
        let next = pass(&current);
        if next == current {
            return next;
        }
        current = next;
    }
}

fn pass(s: &str) -> String {
    let b = s.as_bytes();
    let mut spelled = Vec::with_capacity(b.len());
    let mut i = 0;
    'outer: while i < b.len() {
        for (from, to) in RULES {
            if b[i..].starts_with(from.as_bytes()) {
                spelled.extend_from_slice(to.as_bytes());
                i += from.len();
                continue 'outer;
            }
        }
        spelled.push(b[i]);
        i += 1;
    }
    let mut out: Vec<u8> = Vec::with_capacity(spelled.len());
    for (k, &c) in spelled.iter().enumerate() {
        let next = spelled.get(k + 1).copied();
        let prev = out.last().copied();
        match c {
            b'm' if matches!(next, Some(b'b' | b'm' | b'p')) => out.push(b'n'),
            // Ohno, Satoh: an h after o that starts no syllable (a consonant or the end follows).
            b'h' if prev == Some(b'o') && next.is_none_or(|n| !is_vowel(n) && n != b'y') => {}
            b'u' if prev == Some(b'o') => {}
            c if prev == Some(c) => {}
            c => out.push(c),
        }
    }
    String::from_utf8(out).expect("ASCII in, ASCII out")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spellings_reduce_to_one() {
        for (a, b) in [
            ("ohno", "ono"),
            ("oono", "ono"),
            ("satou", "sato"),
            ("satoh", "sato"),
            ("shinbun", "sinbun"),
            ("shimbun", "sinbun"),
            ("hatchobori", "hatyobori"),
            ("tsuchiya", "tutiya"),
            ("kyouko", "kyoko"),
        ] {
            assert_eq!(canonical(a), canonical(b), "{a} / {b}");
        }
        assert_eq!(canonical("ohno"), "ono");
        // An h that starts a syllable stays.
        assert_eq!(canonical("kohei"), "kohei");
        assert_eq!(canonical("ohara"), "ohara");
    }
}
