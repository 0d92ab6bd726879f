//! Variant kanji of names, each folded to one form: the old (旧字体) and the register's variant
//! forms (異体字) that family registers and lists of the war dead write and that readers type as
//! the common form. NFKC already folds the compatibility ideographs that decompose (塚 U+FA10);
//! the ones it keeps (﨑 U+FA11) and the separately encoded variants are here.
//!
//! Invariant: no target is itself a variant, so folding twice is folding once (tested).

/// (variant, the form it folds to), sorted by variant for the binary search.
const VARIANTS: &[(char, char)] = &[
    ('亞', '亜'),
    ('傳', '伝'),
    ('冨', '富'),
    ('圀', '国'),
    ('國', '国'),
    ('圓', '円'),
    ('團', '団'),
    ('壽', '寿'),
    ('學', '学'),
    ('實', '実'),
    ('寳', '宝'),
    ('寶', '宝'),
    ('峯', '峰'),
    ('嵜', '崎'),
    ('嶋', '島'),
    ('嶌', '島'),
    ('廣', '広'),
    ('彌', '弥'),
    ('德', '徳'),
    ('惠', '恵'),
    ('戶', '戸'),
    ('斉', '斎'),
    ('會', '会'),
    ('條', '条'),
    ('榮', '栄'),
    ('槇', '槙'),
    ('樂', '楽'),
    ('橫', '横'),
    ('櫻', '桜'),
    ('步', '歩'),
    ('淵', '渕'),
    ('淺', '浅'),
    ('渊', '渕'),
    ('澁', '渋'),
    ('澤', '沢'),
    ('濱', '浜'),
    ('濵', '浜'),
    ('瀨', '瀬'),
    ('燈', '灯'),
    ('爲', '為'),
    ('眞', '真'),
    ('禮', '礼'),
    ('穗', '穂'),
    ('經', '経'),
    ('舘', '館'),
    ('萬', '万'),
    ('藏', '蔵'),
    ('藪', '薮'),
    ('螢', '蛍'),
    ('豐', '豊'),
    ('邉', '辺'),
    ('邊', '辺'),
    ('鄕', '郷'),
    ('鐵', '鉄'),
    ('靜', '静'),
    ('髙', '高'),
    ('黑', '黒'),
    ('齊', '斎'),
    ('齋', '斎'),
    ('龍', '竜'),
    ('﨑', '崎'),
    ('𠮷', '吉'),
];

/// The form `c` is folded to (itself when it is no variant).
pub fn fold(c: char) -> char {
    match VARIANTS.binary_search_by_key(&c, |&(v, _)| v) {
        Ok(i) => VARIANTS[i].1,
        Err(_) => c,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_table_is_sorted_and_folds_once() {
        for w in VARIANTS.windows(2) {
            assert!(w[0].0 < w[1].0, "{:?} before {:?}", w[0], w[1]);
        }
        for &(v, to) in VARIANTS {
            assert_ne!(v, to, "{v} folds to itself");
            assert_eq!(fold(to), to, "{v} → {to}, which folds again");
            assert_eq!(fold(v), to);
        }
    }
}
