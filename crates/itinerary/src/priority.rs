//! Recovery missions: which sites promise the most identifications.
//!
//! A site's expected identifications are min(estimated remains, linked reference families) × the
//! families' mean identification power: each identification needs both a body and a family to
//! compare it with, and a linked family identifies its missing person with that probability. The
//! score multiplies that by the site's accessibility (1 = open ground, 0 = unreachable), so that a
//! site the team may not be able to dig counts for less.

use serde::Serialize;

/// What is known about a site for recovery.
#[derive(Debug, Clone, PartialEq)]
pub struct RecoverySite {
    pub id: String,
    pub name: String,
    pub estimated_remains: f64,
    pub linked_families: u32,
    /// Probability, in [0, 1], that a linked family's references identify their missing person.
    pub mean_identification_power: f64,
    /// In [0, 1]: the share of the expected identifications the team can expect to realise.
    pub accessibility: f64,
}

/// Why a recovery site is refused.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("site '{site}': {field} {value} is not within {range}")]
pub struct PriorityError {
    pub site: String,
    pub field: &'static str,
    pub value: f64,
    pub range: &'static str,
}

/// A site's place in the ranking, with its score taken apart.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Ranked {
    /// 1-based.
    pub rank: usize,
    pub id: String,
    pub name: String,
    /// min(estimated remains, linked families).
    pub comparable: f64,
    pub expected_identifications: f64,
    pub accessibility: f64,
    pub score: f64,
    pub explanation: String,
}

fn check(site: &RecoverySite, field: &'static str, value: f64, max: Option<f64>) -> Result<(), PriorityError> {
    let ok = value.is_finite() && value >= 0.0 && max.is_none_or(|m| value <= m);
    ok.then_some(()).ok_or_else(|| PriorityError {
        site: site.id.clone(),
        field,
        value,
        range: if max.is_some() { "0..1" } else { "0.." },
    })
}

/// The sites ranked by score, highest first; ties by expected identifications, then by id.
pub fn rank(sites: &[RecoverySite]) -> Result<Vec<Ranked>, PriorityError> {
    let mut ranked = Vec::with_capacity(sites.len());
    for site in sites {
        check(site, "estimated_remains", site.estimated_remains, None)?;
        check(
            site,
            "mean_identification_power",
            site.mean_identification_power,
            Some(1.0),
        )?;
        check(site, "accessibility", site.accessibility, Some(1.0))?;
        let families = f64::from(site.linked_families);
        let comparable = site.estimated_remains.min(families);
        let expected_identifications = comparable * site.mean_identification_power;
        let score = expected_identifications * site.accessibility;
        let limited_by = if site.estimated_remains <= families {
            "remains"
        } else {
            "families"
        };
        let explanation = format!(
            "min({} remains, {} families) = {} (limited by {limited_by}) × identification power {} = {:.2} \
             expected identifications × accessibility {} = {:.2}",
            site.estimated_remains,
            site.linked_families,
            comparable,
            site.mean_identification_power,
            expected_identifications,
            site.accessibility,
            score
        );
        ranked.push(Ranked {
            rank: 0,
            id: site.id.clone(),
            name: site.name.clone(),
            comparable,
            expected_identifications,
            accessibility: site.accessibility,
            score,
            explanation,
        });
    }
    ranked.sort_by(|a, b| {
        b.score
            .total_cmp(&a.score)
            .then(b.expected_identifications.total_cmp(&a.expected_identifications))
            .then_with(|| a.id.cmp(&b.id))
    });
    for (i, r) in ranked.iter_mut().enumerate() {
        r.rank = i + 1;
    }
    Ok(ranked)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn site(id: &str, remains: f64, families: u32, power: f64, access: f64) -> RecoverySite {
        RecoverySite {
            id: id.to_owned(),
            name: format!("site {id}"),
            estimated_remains: remains,
            linked_families: families,
            mean_identification_power: power,
            accessibility: access,
        }
    }

    #[test]
    fn ranks_by_expected_identifications_times_accessibility() {
        let ranked = rank(&[
            site("A", 400.0, 10, 0.9, 1.0), // 10 × 0.9 = 9
            site("B", 12.0, 40, 0.8, 0.5),  // 12 × 0.8 × 0.5 = 4.8
            site("C", 30.0, 30, 0.5, 1.0),  // 15
            site("D", 0.0, 50, 1.0, 1.0),   // nothing to find
        ])
        .unwrap();
        let order: Vec<&str> = ranked.iter().map(|r| r.id.as_str()).collect();
        assert_eq!(order, ["C", "A", "B", "D"]);
        assert!((ranked[0].score - 15.0).abs() < 1e-12);
        assert!((ranked[1].score - 9.0).abs() < 1e-12);
        assert!((ranked[2].score - 4.8).abs() < 1e-12);
        assert_eq!(ranked[2].rank, 3);
        assert!(
            ranked[1].explanation.contains("limited by families"),
            "{}",
            ranked[1].explanation
        );
        assert!(ranked[2].explanation.contains("= 4.80"), "{}", ranked[2].explanation);
    }

    #[test]
    fn ties_go_to_more_identifications_then_id() {
        let ranked = rank(&[
            site("Z", 10.0, 10, 0.5, 1.0),
            site("Y", 20.0, 20, 0.5, 0.5),
            site("X", 10.0, 10, 0.5, 1.0),
        ])
        .unwrap();
        let order: Vec<&str> = ranked.iter().map(|r| r.id.as_str()).collect();
        assert_eq!(order, ["Y", "X", "Z"]);
    }

    #[test]
    fn refuses_values_out_of_range() {
        for bad in [
            site("A", -1.0, 1, 0.5, 0.5),
            site("A", f64::NAN, 1, 0.5, 0.5),
            site("A", 1.0, 1, 1.5, 0.5),
            site("A", 1.0, 1, 0.5, -0.1),
        ] {
            assert!(rank(&[bad]).is_err());
        }
    }
}
