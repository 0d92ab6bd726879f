//! The 71 burial sites: the eleven named in public reports (bundled `data/northern-korea-sites.csv`,
//! with their sources), and synthetic sites in the towns that had Japanese communities, at the towns'
//! coordinates, until the count known to the Japanese side (71) is reached.

use simulate::Rng;

/// The number of burial sites known to the Japanese side (HuffPost Japan, 2014-09-14).
pub const KNOWN_SITE_COUNT: usize = 71;

const NAMED_SITES_CSV: &str = include_str!("../data/northern-korea-sites.csv");

/// Where a site stands today, in the registry's terms.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SiteState {
    Known,
    Surveyed,
    Inaccessible,
    Farmland,
    Exhumed,
}

impl SiteState {
    pub fn as_str(self) -> &'static str {
        match self {
            SiteState::Known => "known",
            SiteState::Surveyed => "surveyed",
            SiteState::Inaccessible => "inaccessible",
            SiteState::Farmland => "farmland",
            SiteState::Exhumed => "exhumed",
        }
    }
}

/// Who is buried there, which shapes the synthetic persons (sex, age).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Composition {
    /// Soldiers and security personnel, prisoners of war.
    Soldiers,
    /// Refugees from Manchuria: mostly women and children.
    Refugees,
    /// Civilians of every age.
    Mixed,
}

#[derive(Debug, Clone, PartialEq)]
pub struct DemoSite {
    pub key: String,
    pub name_en: String,
    pub name_ja: String,
    pub name_ko: String,
    pub town: String,
    pub lat: f64,
    pub lon: f64,
    /// Town-level coordinates: the graves' own positions are not published.
    pub precision_m: f64,
    pub state: SiteState,
    pub reported_count: Option<u32>,
    pub composition: Composition,
    pub notes: String,
    /// The history of graves moved here from elsewhere, for sites whose graves were relocated.
    pub relocation: Option<String>,
    /// Whether the site is named in public reports (else synthetic).
    pub public: bool,
}

/// Towns with Japanese communities in 1945 (from the bundled README), for synthetic sites:
/// English, Japanese (period name), Korean, latitude, longitude.
const TOWNS: &[(&str, &str, &str, f64, f64)] = &[
    ("Pyongyang", "平壌", "평양", 39.03, 125.75),
    ("Chongjin", "清津", "청진", 41.79, 129.78),
    ("Hamhung", "咸興", "함흥", 39.92, 127.54),
    ("Hungnam", "興南", "흥남", 39.83, 127.62),
    ("Wonsan", "元山", "원산", 39.15, 127.44),
    ("Sinuiju", "新義州", "신의주", 40.10, 124.40),
    ("Nampo", "鎮南浦", "남포", 38.74, 125.41),
    ("Haeju", "海州", "해주", 38.04, 125.71),
    ("Sariwon", "沙里院", "사리원", 38.51, 125.76),
    ("Anju", "安州", "안주", 39.62, 125.66),
    ("Kanggye", "江界", "강계", 40.97, 126.59),
    ("Manpo", "満浦", "만포", 41.15, 126.29),
    ("Hyesan", "恵山", "혜산", 41.40, 128.18),
    ("Kimchaek", "城津", "김책", 40.67, 129.20),
    ("Tanchon", "端川", "단천", 40.46, 128.91),
    ("Kilju", "吉州", "길주", 40.96, 129.33),
    ("Unggi", "雄基", "웅기", 42.33, 130.40),
    ("Kowon", "高原", "고원", 39.44, 127.25),
    ("Munchon", "文川", "문천", 39.27, 127.36),
    ("Kaechon", "价川", "개천", 39.70, 125.90),
    ("Sunchon", "順川", "순천", 39.43, 125.93),
    ("Songnim", "兼二浦", "송림", 38.75, 125.65),
];

/// The 71 sites, in a fixed order: the named ones first, then the synthetic ones.
pub fn sites(rng: &mut Rng) -> Vec<DemoSite> {
    let mut sites = named_sites();
    let mut per_town = vec![0u32; TOWNS.len()];
    while sites.len() < KNOWN_SITE_COUNT {
        let t = rng.below(TOWNS.len());
        per_town[t] += 1;
        let (en, ja, ko, lat, lon) = TOWNS[t];
        let number = per_town[t];
        let composition = match rng.below(10) {
            0..=2 => Composition::Soldiers,
            3..=6 => Composition::Refugees,
            _ => Composition::Mixed,
        };
        let state = match rng.below(20) {
            0..=11 => SiteState::Known,
            12..=14 => SiteState::Farmland,
            15..=17 => SiteState::Inaccessible,
            _ => SiteState::Surveyed,
        };
        let what = match composition {
            Composition::Soldiers => "soldiers held in a Soviet camp",
            Composition::Refugees => "refugees from Manchuria, mostly women and children",
            Composition::Mixed => "residents and refugees",
        };
        sites.push(DemoSite {
            key: format!("{}-{number}", en.to_lowercase()),
            name_en: format!("{en} cemetery {number}"),
            name_ja: format!("{ja}第{number}墓地"),
            name_ko: format!("{ko} 제{number}묘지"),
            town: en.to_string(),
            // Spread within the town's district so markers do not sit on one another.
            lat: lat + rng.between(-0.05, 0.05),
            lon: lon + rng.between(-0.05, 0.05),
            precision_m: 10_000.0,
            state,
            reported_count: None,
            composition,
            notes: format!("Synthetic demo site: {what}."),
            relocation: None,
            public: false,
        });
    }
    sites
}

fn named_sites() -> Vec<DemoSite> {
    let mut reader = csv::Reader::from_reader(NAMED_SITES_CSV.as_bytes());
    let mut sites = Vec::new();
    for record in reader.records() {
        let record = record.expect("the bundled sites file is valid CSV (checked by a test)");
        let get = |i: usize| record.get(i).unwrap_or("").trim().to_string();
        let key = get(0);
        let composition_text = get(9);
        let status_text = get(10);
        let history = get(11);
        let composition = if composition_text.contains("soldier") || composition_text.contains("prisoner") {
            Composition::Soldiers
        } else if composition_text.contains("women") || composition_text.contains("children") {
            Composition::Refugees
        } else {
            Composition::Mixed
        };
        let state = if status_text.contains("farmland") {
            SiteState::Farmland
        } else if status_text.contains("not open") {
            SiteState::Inaccessible
        } else if status_text.contains("visited") || status_text.contains("survey") || status_text.contains("recovered")
        {
            SiteState::Surveyed
        } else {
            SiteState::Known
        };
        let mut notes = [composition_text.as_str(), status_text.as_str()]
            .iter()
            .filter(|s| !s.is_empty())
            .copied()
            .collect::<Vec<_>>()
            .join("; ");
        notes.push_str(&format!(" (source: {})", get(12)));
        sites.push(DemoSite {
            key,
            name_en: get(1),
            name_ja: get(2),
            name_ko: get(3),
            town: get(4),
            lat: get(5).parse().expect("latitude (checked by a test)"),
            lon: get(6).parse().expect("longitude (checked by a test)"),
            precision_m: 10_000.0,
            state,
            reported_count: get(8).parse().ok(),
            composition,
            notes,
            relocation: (!history.is_empty()).then_some(history),
            public: true,
        });
    }
    sites
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn there_are_71_sites_with_unique_keys_inside_northern_korea() {
        let sites = sites(&mut Rng::seed_from(7));
        assert_eq!(sites.len(), KNOWN_SITE_COUNT);
        let mut keys: Vec<_> = sites.iter().map(|s| s.key.as_str()).collect();
        keys.sort_unstable();
        keys.dedup();
        assert_eq!(keys.len(), KNOWN_SITE_COUNT);
        for s in &sites {
            assert!(
                (37.6..=43.1).contains(&s.lat) && (124.1..=130.8).contains(&s.lon),
                "{}",
                s.key
            );
        }
        let named = sites.iter().filter(|s| s.public).count();
        assert_eq!(named, 11);
        let ryongsan = sites.iter().find(|s| s.key == "ryongsan").unwrap();
        assert_eq!(ryongsan.reported_count, Some(2400));
        assert_eq!(ryongsan.state, SiteState::Surveyed);
        assert!(ryongsan.relocation.as_deref().unwrap().contains("1970"));
        assert_eq!(ryongsan.name_ja, "龍山墓地");
        let komusan = sites.iter().find(|s| s.key == "komusan").unwrap();
        assert_eq!(komusan.composition, Composition::Soldiers);
        assert_eq!(komusan.state, SiteState::Farmland);
    }
}
