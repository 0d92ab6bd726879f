//! Properties of the keys over generated names: a key is its own key (normalising twice is
//! normalising once), hiragana and katakana spellings share their key, the spaces of a query never
//! matter, and every name is found under the key of its own text.

use names::{key, name_keys};
use proptest::prelude::*;

/// Hiragana syllables of names, with the small kana, っ and ー that may follow.
const HIRAGANA: &str = "あいうえおかきくけこがぎぐげごさしすせそざじずぜぞたちつてとだぢづでどなにぬねのはひふへほばびぶべぼぱぴぷぺぽまみむめもやゆよらりるれろわをんゃゅょっー";
const KANJI: &str = "山崎﨑田中高髙橋渡辺邊邉斎齋斉藤澤沢濱浜大野小信子太郎一二三佐木井上森林島嶋";
const LATIN: &str = "abcdefghijklmnopqrstuvwxyzĀāĒēĪīŌōŪūÂâÔôÛûéü'-";

fn from(alphabet: &'static str) -> impl Strategy<Value = String> {
    let chars: Vec<char> = alphabet.chars().collect();
    prop::collection::vec(prop::sample::select(chars), 1..8).prop_map(|v| v.into_iter().collect())
}

fn name() -> impl Strategy<Value = String> {
    let part = prop_oneof![
        from(HIRAGANA),
        from(KANJI),
        from(LATIN),
        "[A-Z][a-z]{1,8}",
        "[0-9]{1,5}"
    ];
    prop::collection::vec(part, 1..4).prop_map(|parts| parts.join(" "))
}

fn katakana(s: &str) -> String {
    s.chars()
        .map(|c| match c {
            '\u{3041}'..='\u{3096}' => char::from_u32(c as u32 + 0x60).unwrap(),
            c => c,
        })
        .collect()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    #[test]
    fn a_key_is_its_own_key(n in name()) {
        let k = key(&n);
        prop_assert_eq!(key(&k), k.clone(), "{}", n);
    }

    #[test]
    fn any_text_keys_idempotently(n in any::<String>()) {
        let k = key(&n);
        prop_assert_eq!(key(&k), k);
    }

    #[test]
    fn hiragana_and_katakana_share_a_key(n in from(HIRAGANA)) {
        prop_assert_eq!(key(&n), key(&katakana(&n)));
    }

    #[test]
    fn spaces_never_matter(n in name()) {
        let unspaced: String = n.split_whitespace().collect();
        prop_assert_eq!(key(&n), key(&unspaced));
        prop_assert_eq!(key(&n), key(&n.replace(' ', "\u{3000}")));
    }

    #[test]
    fn a_name_is_found_under_its_own_key(n in name()) {
        let k = key(&n);
        let keys = name_keys(&n);
        prop_assert!(k.is_empty() || keys.iter().any(|nk| nk.key == k), "{} → {} not in {:?}", n, k, keys);
    }

    #[test]
    fn a_name_is_found_from_its_last_part_first(n in name()) {
        let parts: Vec<&str> = n.split_whitespace().collect();
        if parts.len() >= 2 {
            let reversed = format!("{} {}", parts[parts.len() - 1], parts[..parts.len() - 1].join(" "));
            let k = key(&reversed);
            prop_assert!(k.is_empty() || name_keys(&n).iter().any(|nk| nk.key == k), "{}", n);
        }
    }
}
