//! Kana to romaji: katakana read as hiragana, each syllable in the Kunrei spelling that
//! [`crate::romaji::canonical`] reduces Hepburn to (し si, ち ti, つ tu, ふ hu, じ/ぢ zi, づ zu),
//! a small ゃ/ゅ/ょ joined to the syllable before it (しゃ sya), the small っ and the long-vowel
//! mark ー written as nothing (the canonical spelling keeps no doubled letters).

/// Hiragana, katakana, the long-vowel mark and the iteration marks.
pub fn is_kana(c: char) -> bool {
    matches!(c, '\u{3041}'..='\u{3096}' | '\u{309d}'..='\u{309e}' | '\u{30a1}'..='\u{30fa}' | '\u{30fc}'..='\u{30fe}')
}

/// Katakana to the hiragana of the same sound; anything else unchanged.
pub fn to_hiragana(c: char) -> char {
    match c {
        '\u{30a1}'..='\u{30f6}' | '\u{30fd}'..='\u{30fe}' => char::from_u32(c as u32 - 0x60).unwrap_or(c),
        _ => c,
    }
}

/// The romaji of a run of kana.
pub fn to_romaji(kana: &str) -> String {
    let mut out = String::with_capacity(kana.len());
    let mut last = "";
    for c in kana.chars().map(to_hiragana) {
        match c {
            'ゃ' | 'ゅ' | 'ょ' => {
                let vowel = match c {
                    'ゃ' => 'a',
                    'ゅ' => 'u',
                    _ => 'o',
                };
                // き + ゃ = kya, し + ゃ = sya: the syllable's i becomes y.
                if out.ends_with('i') && out.len() >= 2 {
                    out.pop();
                    out.push('y');
                } else {
                    out.push('y');
                }
                out.push(vowel);
                last = "";
            }
            'ぁ' | 'ぃ' | 'ぅ' | 'ぇ' | 'ぉ' => {
                // ふぁ, てぃ: the small vowel replaces the syllable's own.
                let vowel = match c {
                    'ぁ' => 'a',
                    'ぃ' => 'i',
                    'ぅ' => 'u',
                    'ぇ' => 'e',
                    _ => 'o',
                };
                if out.ends_with(['a', 'i', 'u', 'e', 'o']) && out.len() >= 2 {
                    out.pop();
                }
                out.push(vowel);
                last = "";
            }
            // The long-vowel mark and the small tsu lengthen; the key spells no length.
            'っ' | 'ー' => {}
            // ゝ repeats the syllable before, ゞ voices it.
            'ゝ' => out.push_str(last),
            'ゞ' => out.push_str(&voiced(last)),
            _ => {
                last = syllable(c);
                out.push_str(last);
            }
        }
    }
    out
}

/// A syllable's voiced form for ゞ (k→g, s→z, t→d, h→b).
fn voiced(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut chars = s.chars();
    if let Some(first) = chars.next() {
        out.push(match first {
            'k' => 'g',
            's' => 'z',
            't' => 'd',
            'h' => 'b',
            c => c,
        });
    }
    out.extend(chars);
    out
}

#[rustfmt::skip]
fn syllable(c: char) -> &'static str {
    match c {
        'あ' => "a", 'い' => "i", 'う' => "u", 'え' => "e", 'お' => "o",
        'か' => "ka", 'き' => "ki", 'く' => "ku", 'け' => "ke", 'こ' => "ko",
        'が' => "ga", 'ぎ' => "gi", 'ぐ' => "gu", 'げ' => "ge", 'ご' => "go",
        'さ' => "sa", 'し' => "si", 'す' => "su", 'せ' => "se", 'そ' => "so",
        'ざ' => "za", 'じ' => "zi", 'ず' => "zu", 'ぜ' => "ze", 'ぞ' => "zo",
        'た' => "ta", 'ち' => "ti", 'つ' => "tu", 'て' => "te", 'と' => "to",
        'だ' => "da", 'ぢ' => "zi", 'づ' => "zu", 'で' => "de", 'ど' => "do",
        'な' => "na", 'に' => "ni", 'ぬ' => "nu", 'ね' => "ne", 'の' => "no",
        'は' => "ha", 'ひ' => "hi", 'ふ' => "hu", 'へ' => "he", 'ほ' => "ho",
        'ば' => "ba", 'び' => "bi", 'ぶ' => "bu", 'べ' => "be", 'ぼ' => "bo",
        'ぱ' => "pa", 'ぴ' => "pi", 'ぷ' => "pu", 'ぺ' => "pe", 'ぽ' => "po",
        'ま' => "ma", 'み' => "mi", 'む' => "mu", 'め' => "me", 'も' => "mo",
        'や' => "ya", 'ゆ' => "yu", 'よ' => "yo",
        'ら' => "ra", 'り' => "ri", 'る' => "ru", 'れ' => "re", 'ろ' => "ro",
        'わ' => "wa", 'ゐ' => "i", 'ゑ' => "e", 'を' => "o", 'ん' => "n",
        'ゔ' => "bu", 'ゕ' => "ka", 'ゖ' => "ke", 'ゎ' => "wa",
        _ => "",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn syllables_and_contractions() {
        assert_eq!(to_romaji("やまざき"), "yamazaki");
        assert_eq!(to_romaji("しょうじ"), "syouzi");
        assert_eq!(to_romaji("きょうこ"), "kyouko");
        assert_eq!(to_romaji("ちゃこ"), "tyako");
        assert_eq!(to_romaji("はっとり"), "hatori");
        assert_eq!(to_romaji("オーノ"), "ono");
        assert_eq!(to_romaji("ササキ"), "sasaki");
        assert_eq!(to_romaji("いすゞ"), "isuzu");
    }

    #[test]
    fn katakana_reads_as_hiragana() {
        for (k, h) in [
            ('ア', 'あ'),
            ('ヴ', 'ゔ'),
            ('ヶ', 'ゖ'),
            ('ン', 'ん'),
            ('ー', 'ー'),
            ('山', '山'),
        ] {
            assert_eq!(to_hiragana(k), h);
        }
    }
}
