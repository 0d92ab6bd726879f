//! A family's pedigree as an SVG drawing, with the standard symbols: squares for men, circles for
//! women, diamonds for unknown sex, a slash through the deceased, the missing person highlighted and
//! reference donors marked with a dot. Drawn on the server, so the page needs no script for it.

use std::collections::{BTreeMap, HashMap, HashSet};

use maud::{html, Markup};
use registry::model::Sex;

/// One person to draw.
#[derive(Debug, Clone)]
pub struct Node {
    pub id: i64,
    pub label: String,
    pub sex: Sex,
    pub alive: bool,
    pub father: Option<i64>,
    pub mother: Option<i64>,
    pub missing: bool,
    /// Gave a reference sample.
    pub donor: bool,
}

const COLUMN: f64 = 110.0;
const ROW: f64 = 120.0;
const SIZE: f64 = 40.0;
const MARGIN: f64 = 60.0;

/// Each member's generation: founders 0, children one below their lower parent; partners of a
/// couple share the lower of their rows.
fn generations(nodes: &[Node]) -> HashMap<i64, usize> {
    let known: HashSet<i64> = nodes.iter().map(|n| n.id).collect();
    let parent = |p: Option<i64>| p.filter(|id| known.contains(id));
    let mut generation: HashMap<i64, usize> = nodes.iter().map(|n| (n.id, 0)).collect();
    // Relaxation: at most one pass per member settles any acyclic family; the registry refuses cycles.
    for _ in 0..=nodes.len() {
        let mut changed = false;
        for n in nodes {
            let mut g = generation[&n.id];
            for p in [parent(n.father), parent(n.mother)].into_iter().flatten() {
                g = g.max(generation[&p] + 1);
            }
            if let (Some(f), Some(m)) = (parent(n.father), parent(n.mother)) {
                let couple = generation[&f].max(generation[&m]);
                for p in [f, m] {
                    if generation[&p] < couple {
                        generation.insert(p, couple);
                        changed = true;
                    }
                }
            }
            if g != generation[&n.id] {
                generation.insert(n.id, g);
                changed = true;
            }
        }
        if !changed {
            break;
        }
    }
    generation
}

/// Positions: (column, row) per member; partners side by side, children under their parents.
fn layout(nodes: &[Node]) -> HashMap<i64, (f64, f64)> {
    let generation = generations(nodes);
    let known: HashSet<i64> = nodes.iter().map(|n| n.id).collect();
    let mut partners: HashMap<i64, Vec<i64>> = HashMap::new();
    for n in nodes {
        if let (Some(f), Some(m)) = (n.father, n.mother) {
            if known.contains(&f) && known.contains(&m) {
                for (a, b) in [(f, m), (m, f)] {
                    let list = partners.entry(a).or_default();
                    if !list.contains(&b) {
                        list.push(b);
                    }
                }
            }
        }
    }
    let mut rows: BTreeMap<usize, Vec<&Node>> = BTreeMap::new();
    for n in nodes {
        rows.entry(generation[&n.id]).or_default().push(n);
    }
    let mut position: HashMap<i64, (f64, f64)> = HashMap::new();
    for (g, members) in rows {
        // Children follow their parents' columns; then each member is followed by its partners.
        let mut keyed: Vec<(f64, i64, &Node)> = members
            .iter()
            .map(|n| {
                let parents: Vec<f64> = [n.father, n.mother]
                    .into_iter()
                    .flatten()
                    .filter_map(|p| position.get(&p).map(|xy| xy.0))
                    .collect();
                let key = if parents.is_empty() {
                    f64::MAX
                } else {
                    parents.iter().sum::<f64>() / parents.len() as f64
                };
                (key, n.id, *n)
            })
            .collect();
        keyed.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)));
        let in_row: HashSet<i64> = members.iter().map(|n| n.id).collect();
        let mut order: Vec<i64> = Vec::new();
        for (_, id, _) in &keyed {
            if order.contains(id) {
                continue;
            }
            order.push(*id);
            for p in partners.get(id).into_iter().flatten() {
                if in_row.contains(p) && !order.contains(p) {
                    order.push(*p);
                }
            }
        }
        for (column, id) in order.into_iter().enumerate() {
            position.insert(id, (column as f64, g as f64));
        }
    }
    position
}

fn at(column: f64, row: f64) -> (f64, f64) {
    (MARGIN + column * COLUMN, MARGIN + row * ROW)
}

/// The SVG for a family, titled `title`. Its shapes are written with an end tag (`<line …></line>`):
/// inside SVG an HTML parser would nest a bare `<line …>` in the previous one.
pub fn svg(nodes: &[Node], title: &str) -> Markup {
    let position = layout(nodes);
    let columns = position.values().map(|p| p.0).fold(0.0, f64::max) + 1.0;
    let rows = position.values().map(|p| p.1).fold(0.0, f64::max) + 1.0;
    let width = 2.0 * MARGIN + (columns - 1.0) * COLUMN + 40.0;
    let height = 2.0 * MARGIN + (rows - 1.0) * ROW + 30.0;
    let place = |id: &i64| at(position[id].0, position[id].1);
    let mut couples: BTreeMap<(i64, i64), Vec<i64>> = BTreeMap::new();
    for n in nodes {
        if let (Some(f), Some(m)) = (n.father, n.mother) {
            if position.contains_key(&f) && position.contains_key(&m) {
                couples.entry((f, m)).or_default().push(n.id);
            }
        }
    }
    let h = SIZE / 2.0;
    html! {
        svg.pedigree xmlns="http://www.w3.org/2000/svg" viewBox={ "0 0 " (width) " " (height) } width=(width)
            height=(height) role="img" aria-labelledby="pedigree-title" {
            title id="pedigree-title" { (title) }
            // Lines first, symbols over them.
            @for ((f, m), children) in &couples {
                @let ((fx, fy), (mx, my)) = (place(f), place(m));
                @let (cx, cy) = ((fx + mx) / 2.0, fy.max(my));
                @let bar = cy + ROW / 2.0;
                @let xs: Vec<f64> = children.iter().map(|c| place(c).0).collect();
                line.partners x1=(fx) y1=(fy) x2=(mx) y2=(my) {}
                line x1=(cx) y1=(cy) x2=(cx) y2=(bar) {}
                line x1=(xs.iter().copied().fold(cx, f64::min)) y1=(bar) x2=(xs.iter().copied().fold(cx, f64::max)) y2=(bar) {}
                @for c in children {
                    @let (x, y) = place(c);
                    line x1=(x) y1=(bar) x2=(x) y2=(y - SIZE / 2.0) {}
                }
            }
            @for n in nodes {
                @let (x, y) = place(&n.id);
                g class=(symbol_class(n)) data-member=(n.id) {
                    title { (n.label) }
                    @match n.sex {
                        Sex::Male => { rect x=(x - h) y=(y - h) width=(SIZE) height=(SIZE) {} }
                        Sex::Female => { circle cx=(x) cy=(y) r=(h) {} }
                        Sex::Unknown => {
                            polygon points={ (x) "," (y - h) " " (x + h) "," (y) " " (x) "," (y + h) " " (x - h) "," (y) } {}
                        }
                    }
                    @if !n.alive {
                        line.slash x1=(x - h - 6.0) y1=(y + h + 6.0) x2=(x + h + 6.0) y2=(y - h - 6.0) {}
                    }
                    @if n.donor {
                        circle.donor-dot cx=(x) cy=(y) r="6" {}
                    }
                    text x=(x) y=(y + h + 18.0) text-anchor="middle" { (n.label.chars().take(14).collect::<String>()) }
                }
            }
        }
    }
}

/// A symbol's classes: what the style sheet draws it as (missing, donor, deceased).
fn symbol_class(n: &Node) -> String {
    let mut class = String::from("pedigree-symbol");
    if n.missing {
        class.push_str(" missing");
    }
    if n.donor {
        class.push_str(" donor");
    }
    if !n.alive {
        class.push_str(" deceased");
    }
    class
}

#[cfg(test)]
mod tests {
    use super::*;

    fn node(id: i64, sex: Sex, father: Option<i64>, mother: Option<i64>) -> Node {
        Node {
            id,
            label: format!("m{id}"),
            sex,
            alive: true,
            father,
            mother,
            missing: false,
            donor: false,
        }
    }

    #[test]
    fn children_sit_below_their_parents_and_partners_side_by_side() {
        let mut nodes = vec![
            node(1, Sex::Male, None, None),
            node(2, Sex::Female, None, None),
            node(3, Sex::Male, Some(1), Some(2)),
            node(4, Sex::Female, None, None),
            node(5, Sex::Unknown, Some(3), Some(4)),
        ];
        nodes[2].missing = true;
        nodes[0].alive = false;
        nodes[4].donor = true;
        let p = layout(&nodes);
        assert_eq!(p[&1].1, 0.0);
        assert_eq!(p[&3].1, 1.0);
        // The spouse who married in shares her husband's row, next to him.
        assert_eq!(p[&4].1, 1.0);
        assert_eq!((p[&3].0 - p[&4].0).abs(), 1.0);
        assert_eq!(p[&5].1, 2.0);
        let drawn = svg(&nodes, "Family <A>").into_string();
        assert_eq!(drawn.matches(r#"class="pedigree-symbol"#).count(), 5);
        assert_eq!(drawn.matches("<rect").count(), 2);
        assert_eq!(drawn.matches("<polygon").count(), 1);
        assert_eq!(drawn.matches(r#"class="slash""#).count(), 1);
        assert_eq!(drawn.matches("donor-dot").count(), 1);
        assert!(drawn.contains("pedigree-symbol missing"));
        assert!(drawn.contains("Family &lt;A&gt;"));
    }

    #[test]
    fn an_empty_family_draws_an_empty_chart() {
        assert!(svg(&[], "none").into_string().starts_with("<svg"));
    }
}
