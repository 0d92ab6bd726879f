//! Japanese names of the period in kanji, hiragana and Hepburn romaji, and the prefectures people
//! came from. Common surnames and given names only: the combinations are drawn at random, so no
//! demo person is a real person.

/// A name in kanji, its reading in hiragana and in romaji (Hepburn, without macrons).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct JapaneseName {
    pub kanji: &'static str,
    pub kana: &'static str,
    pub romaji: &'static str,
}

const fn n(kanji: &'static str, kana: &'static str, romaji: &'static str) -> JapaneseName {
    JapaneseName { kanji, kana, romaji }
}

pub const SURNAMES: &[JapaneseName] = &[
    n("佐藤", "さとう", "Sato"),
    n("鈴木", "すずき", "Suzuki"),
    n("高橋", "たかはし", "Takahashi"),
    n("田中", "たなか", "Tanaka"),
    n("伊藤", "いとう", "Ito"),
    n("渡辺", "わたなべ", "Watanabe"),
    n("山本", "やまもと", "Yamamoto"),
    n("中村", "なかむら", "Nakamura"),
    n("小林", "こばやし", "Kobayashi"),
    n("加藤", "かとう", "Kato"),
    n("吉田", "よしだ", "Yoshida"),
    n("山田", "やまだ", "Yamada"),
    n("佐々木", "ささき", "Sasaki"),
    n("山口", "やまぐち", "Yamaguchi"),
    n("松本", "まつもと", "Matsumoto"),
    n("井上", "いのうえ", "Inoue"),
    n("木村", "きむら", "Kimura"),
    n("林", "はやし", "Hayashi"),
    n("斎藤", "さいとう", "Saito"),
    n("清水", "しみず", "Shimizu"),
    n("山崎", "やまざき", "Yamazaki"),
    n("森", "もり", "Mori"),
    n("池田", "いけだ", "Ikeda"),
    n("橋本", "はしもと", "Hashimoto"),
    n("阿部", "あべ", "Abe"),
    n("石川", "いしかわ", "Ishikawa"),
    n("山下", "やました", "Yamashita"),
    n("中島", "なかじま", "Nakajima"),
    n("石井", "いしい", "Ishii"),
    n("小川", "おがわ", "Ogawa"),
    n("前田", "まえだ", "Maeda"),
    n("岡田", "おかだ", "Okada"),
    n("長谷川", "はせがわ", "Hasegawa"),
    n("藤田", "ふじた", "Fujita"),
    n("後藤", "ごとう", "Goto"),
    n("近藤", "こんどう", "Kondo"),
    n("村上", "むらかみ", "Murakami"),
    n("遠藤", "えんどう", "Endo"),
    n("青木", "あおき", "Aoki"),
    n("坂本", "さかもと", "Sakamoto"),
    n("福田", "ふくだ", "Fukuda"),
    n("太田", "おおた", "Ota"),
    n("西村", "にしむら", "Nishimura"),
    n("藤井", "ふじい", "Fujii"),
    n("金子", "かねこ", "Kaneko"),
    n("岡本", "おかもと", "Okamoto"),
    n("藤原", "ふじわら", "Fujiwara"),
    n("中野", "なかの", "Nakano"),
    n("三浦", "みうら", "Miura"),
    n("原田", "はらだ", "Harada"),
    n("中川", "なかがわ", "Nakagawa"),
    n("松田", "まつだ", "Matsuda"),
    n("竹内", "たけうち", "Takeuchi"),
    n("小野", "おの", "Ono"),
    n("田村", "たむら", "Tamura"),
    n("中山", "なかやま", "Nakayama"),
    n("和田", "わだ", "Wada"),
    n("石田", "いしだ", "Ishida"),
    n("森田", "もりた", "Morita"),
    n("上田", "うえだ", "Ueda"),
    n("原", "はら", "Hara"),
    n("柴田", "しばた", "Shibata"),
    n("酒井", "さかい", "Sakai"),
    n("工藤", "くどう", "Kudo"),
    n("横山", "よこやま", "Yokoyama"),
    n("宮崎", "みやざき", "Miyazaki"),
    n("宮本", "みやもと", "Miyamoto"),
    n("内田", "うちだ", "Uchida"),
    n("高木", "たかぎ", "Takagi"),
    n("安藤", "あんどう", "Ando"),
    n("島田", "しまだ", "Shimada"),
    n("谷口", "たにぐち", "Taniguchi"),
    n("大野", "おおの", "Ono"),
    n("丸山", "まるやま", "Maruyama"),
    n("今井", "いまい", "Imai"),
    n("河野", "こうの", "Kono"),
    n("藤本", "ふじもと", "Fujimoto"),
    n("村田", "むらた", "Murata"),
    n("武田", "たけだ", "Takeda"),
    n("上野", "うえの", "Ueno"),
];

pub const MALE_GIVEN: &[JapaneseName] = &[
    n("清", "きよし", "Kiyoshi"),
    n("茂", "しげる", "Shigeru"),
    n("実", "みのる", "Minoru"),
    n("正", "ただし", "Tadashi"),
    n("勇", "いさむ", "Isamu"),
    n("進", "すすむ", "Susumu"),
    n("博", "ひろし", "Hiroshi"),
    n("武", "たけし", "Takeshi"),
    n("勝", "まさる", "Masaru"),
    n("三郎", "さぶろう", "Saburo"),
    n("一郎", "いちろう", "Ichiro"),
    n("次郎", "じろう", "Jiro"),
    n("正雄", "まさお", "Masao"),
    n("義雄", "よしお", "Yoshio"),
    n("秀雄", "ひでお", "Hideo"),
    n("和夫", "かずお", "Kazuo"),
    n("豊", "ゆたか", "Yutaka"),
    n("修", "おさむ", "Osamu"),
    n("栄一", "えいいち", "Eiichi"),
    n("健一", "けんいち", "Kenichi"),
    n("幸雄", "ゆきお", "Yukio"),
    n("明", "あきら", "Akira"),
    n("隆", "たかし", "Takashi"),
    n("太郎", "たろう", "Taro"),
    n("四郎", "しろう", "Shiro"),
    n("保", "たもつ", "Tamotsu"),
    n("光男", "みつお", "Mitsuo"),
    n("徳太郎", "とくたろう", "Tokutaro"),
    n("寅吉", "とらきち", "Torakichi"),
    n("正一", "しょういち", "Shoichi"),
    n("幸一", "こういち", "Koichi"),
    n("春男", "はるお", "Haruo"),
    n("辰雄", "たつお", "Tatsuo"),
    n("利夫", "としお", "Toshio"),
    n("文雄", "ふみお", "Fumio"),
    n("重雄", "しげお", "Shigeo"),
    n("金作", "きんさく", "Kinsaku"),
    n("健吉", "けんきち", "Kenkichi"),
    n("弘", "ひろむ", "Hiromu"),
    n("昇", "のぼる", "Noboru"),
];

pub const FEMALE_GIVEN: &[JapaneseName] = &[
    n("久子", "ひさこ", "Hisako"),
    n("幸子", "さちこ", "Sachiko"),
    n("和子", "かずこ", "Kazuko"),
    n("節子", "せつこ", "Setsuko"),
    n("文子", "ふみこ", "Fumiko"),
    n("静子", "しずこ", "Shizuko"),
    n("信子", "のぶこ", "Nobuko"),
    n("千代", "ちよ", "Chiyo"),
    n("ハル", "はる", "Haru"),
    n("キヨ", "きよ", "Kiyo"),
    n("光子", "みつこ", "Mitsuko"),
    n("澄子", "すみこ", "Sumiko"),
    n("芳子", "よしこ", "Yoshiko"),
    n("美代子", "みよこ", "Miyoko"),
    n("八重子", "やえこ", "Yaeko"),
    n("照子", "てるこ", "Teruko"),
    n("敏子", "としこ", "Toshiko"),
    n("君子", "きみこ", "Kimiko"),
    n("花子", "はなこ", "Hanako"),
    n("トメ", "とめ", "Tome"),
    n("ミツ", "みつ", "Mitsu"),
    n("正子", "まさこ", "Masako"),
    n("洋子", "ようこ", "Yoko"),
    n("恵子", "けいこ", "Keiko"),
    n("京子", "きょうこ", "Kyoko"),
    n("弘子", "ひろこ", "Hiroko"),
    n("悦子", "えつこ", "Etsuko"),
    n("愛子", "あいこ", "Aiko"),
    n("貞子", "さだこ", "Sadako"),
    n("富子", "とみこ", "Tomiko"),
    n("艶子", "つやこ", "Tsuyako"),
    n("ヨシ", "よし", "Yoshi"),
    n("マツ", "まつ", "Matsu"),
    n("初子", "はつこ", "Hatsuko"),
    n("冨美子", "ふみこ", "Fumiko"),
];

/// A prefecture (the family register's home, 本籍) in kanji and romaji, with a weight: how many of
/// the Japanese in northern Korea and Manchuria came from there, roughly (emigration was heaviest
/// from Nagano, Yamaguchi, Kyushu and the Tohoku).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Prefecture {
    pub kanji: &'static str,
    pub romaji: &'static str,
    pub weight: u32,
}

const fn p(kanji: &'static str, romaji: &'static str, weight: u32) -> Prefecture {
    Prefecture { kanji, romaji, weight }
}

pub const PREFECTURES: &[Prefecture] = &[
    p("北海道", "Hokkaido", 3),
    p("青森県", "Aomori", 3),
    p("岩手県", "Iwate", 3),
    p("宮城県", "Miyagi", 3),
    p("秋田県", "Akita", 3),
    p("山形県", "Yamagata", 4),
    p("福島県", "Fukushima", 4),
    p("茨城県", "Ibaraki", 2),
    p("栃木県", "Tochigi", 2),
    p("群馬県", "Gunma", 2),
    p("埼玉県", "Saitama", 2),
    p("千葉県", "Chiba", 2),
    p("東京都", "Tokyo", 4),
    p("神奈川県", "Kanagawa", 2),
    p("新潟県", "Niigata", 4),
    p("富山県", "Toyama", 3),
    p("石川県", "Ishikawa", 3),
    p("福井県", "Fukui", 2),
    p("山梨県", "Yamanashi", 2),
    p("長野県", "Nagano", 8),
    p("岐阜県", "Gifu", 3),
    p("静岡県", "Shizuoka", 2),
    p("愛知県", "Aichi", 3),
    p("三重県", "Mie", 2),
    p("滋賀県", "Shiga", 2),
    p("京都府", "Kyoto", 2),
    p("大阪府", "Osaka", 3),
    p("兵庫県", "Hyogo", 3),
    p("奈良県", "Nara", 1),
    p("和歌山県", "Wakayama", 2),
    p("鳥取県", "Tottori", 2),
    p("島根県", "Shimane", 3),
    p("岡山県", "Okayama", 3),
    p("広島県", "Hiroshima", 5),
    p("山口県", "Yamaguchi", 7),
    p("徳島県", "Tokushima", 2),
    p("香川県", "Kagawa", 2),
    p("愛媛県", "Ehime", 3),
    p("高知県", "Kochi", 3),
    p("福岡県", "Fukuoka", 7),
    p("佐賀県", "Saga", 4),
    p("長崎県", "Nagasaki", 4),
    p("熊本県", "Kumamoto", 6),
    p("大分県", "Oita", 4),
    p("宮崎県", "Miyazaki", 2),
    p("鹿児島県", "Kagoshima", 5),
    p("沖縄県", "Okinawa", 1),
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_name_has_all_three_scripts() {
        for name in SURNAMES.iter().chain(MALE_GIVEN).chain(FEMALE_GIVEN) {
            assert!(!name.kanji.is_empty() && !name.kana.is_empty() && !name.romaji.is_empty());
            assert!(name.romaji.is_ascii(), "{} romaji must be ASCII", name.kanji);
            assert!(
                name.kana.chars().all(|c| ('\u{3041}'..='\u{309f}').contains(&c)),
                "{} reading must be hiragana",
                name.kanji
            );
        }
        assert_eq!(PREFECTURES.len(), 47);
    }
}
