//! `import fam FILE`: the reference families of a Familias DVI file, with the reference
//! profiles of their typed members, into the registry in one transaction.
//!
//! Each `[[[Family]]]` of `[[Reference Families]]` becomes a registry family (external id
//! `PREFIX` + family name; the prefix defaults to the file's name and `/`) whose members are the
//! family's persons and everyone its pedigree (the one not called "Reference pedigree") names, with
//! fathers and mothers from that pedigree (a parent's unknown sex taken from the partner). Untyped
//! members named `Missing…` are the missing persons (not alive); the others are alive. Every typed
//! member gives one reference sample (external id: family external id, `/`, member name) with the
//! kit and consent given on the command line. The victims of the file are not imported.
//!
//! The whole file is checked first, then written in one transaction: all of it or nothing.

use std::fmt;
use std::path::Path;

use anyhow::Result;
use registry::model::{PartialDate, Sex as RegistrySex};
use registry::{
    Consent, ConsentScope, ImportFamily, ImportFamilyReference, ImportPart, NewFamily, NewMember, ReferenceProfile,
    Store, StrProfile,
};

use super::{Import, IntoRegistry};
use crate::familias::{check_pedigree, family_draft, family_pedigree, is_missing, Resolved};
use crate::input_error;

/// The Familias import, with what the file cannot say.
#[derive(Debug, Clone, Default)]
pub struct Fam {
    /// The typing kit of the reference samples, such as GlobalFiler.
    pub kit: String,
    /// identification-only or identification-and-research, for every reference sample of the file.
    pub consent_scope: String,
    /// YYYY, YYYY-MM or YYYY-MM-DD.
    pub consent_date: String,
    /// Prefix of the families' external ids (default: the file's name and '/').
    pub id_prefix: Option<String>,
}

/// The families of the file and their references, with the line of each for error messages.
#[derive(Debug)]
pub struct FamPlan {
    families: Vec<ImportFamily>,
    family_lines: Vec<usize>,
    references: Vec<ImportFamilyReference>,
    reference_lines: Vec<usize>,
}

fn registry_sex(s: kinship::Sex) -> RegistrySex {
    match s {
        kinship::Sex::Male => RegistrySex::Male,
        kinship::Sex::Female => RegistrySex::Female,
        kinship::Sex::Unknown => RegistrySex::Unknown,
    }
}

/// Member positions with every parent before its children.
fn parents_first(r: &Resolved) -> Vec<usize> {
    let n = r.members.len();
    let mut placed = vec![false; n];
    let mut order = Vec::with_capacity(n);
    // A pedigree has no cycles (Draft::resolve gives each child one father and one mother, and the
    // caller checked acyclicity with the engine's pedigree), so each pass places at least one member.
    while order.len() < n {
        let before = order.len();
        for k in 0..n {
            let ready = [r.father[k], r.mother[k]].iter().flatten().all(|&p| placed[p]);
            if !placed[k] && ready {
                placed[k] = true;
                order.push(k);
            }
        }
        if order.len() == before {
            break;
        }
    }
    order
}

fn plan(path: &Path, text: &str, args: &Fam) -> Result<FamPlan> {
    let scope: ConsentScope = args
        .consent_scope
        .parse()
        .map_err(|e| input_error!("--consent-scope '{}': {e}", args.consent_scope))?;
    let date: PartialDate = args
        .consent_date
        .parse()
        .map_err(|e| input_error!("--consent-date '{}': {e}", args.consent_date))?;
    let consent = Consent { scope, date };
    let fam = crate::familias::parse(path, text)?;
    let Some(dvi) = &fam.dvi else {
        return Err(input_error!(
            "{}: the file has no [DVI] section, so no reference families",
            path.display()
        ));
    };
    let prefix = args.id_prefix.clone().unwrap_or_else(|| {
        let name = path
            .file_name()
            .map_or_else(String::new, |n| n.to_string_lossy().into_owned());
        format!("{name}/")
    });
    let mut plan = FamPlan {
        families: Vec::new(),
        family_lines: Vec::new(),
        references: Vec::new(),
        reference_lines: Vec::new(),
    };
    for f in &dvi.families {
        let ped = family_pedigree(path, f)?;
        let (draft, who) = family_draft(f, ped, |_| true);
        let place = |e: String| input_error!("{}: line {}, field '{}': {e}", path.display(), ped.line, ped.name);
        // The engine's pedigree check finds cycles and duplicate names before anything is written.
        check_pedigree(draft.clone()).map_err(place)?;
        let resolved = draft.resolve().map_err(place)?;
        let order = parents_first(&resolved);
        let mut position = vec![0usize; order.len()];
        for (pos, &k) in order.iter().enumerate() {
            position[k] = pos;
        }
        let external_id = format!("{prefix}{}", f.name);
        let members: Vec<NewMember> = order
            .iter()
            .map(|&k| {
                let (name, sex) = &resolved.members[k];
                let missing = is_missing(name, who[k]);
                NewMember {
                    display_name: name.clone(),
                    sex: registry_sex(*sex),
                    person_id: None,
                    alive: !missing,
                    father_member_id: resolved.father[k].map(|p| position[p] as i64),
                    mother_member_id: resolved.mother[k].map(|p| position[p] as i64),
                    is_missing: missing,
                }
            })
            .collect();
        let family_index = plan.families.len();
        for (pos, &k) in order.iter().enumerate() {
            let Some(person) = who[k].filter(|p| !p.genotypes.is_empty()) else {
                continue;
            };
            let genotypes = person
                .genotypes
                .iter()
                .map(|g| (g.marker.clone(), format!("{}/{}", g.allele1, g.allele2)));
            let str_profile = StrProfile::new(genotypes)
                .map_err(|e| input_error!("{}: line {}, field 'DNA data': {e}", path.display(), person.line))?;
            plan.references.push(ImportFamilyReference {
                family: family_index,
                member: pos,
                external_id: format!("{external_id}/{}", person.name),
                kit: args.kit.clone(),
                profile: ReferenceProfile {
                    str_profile,
                    y_haplotype: None,
                    mtdna: None,
                },
                consent,
            });
            plan.reference_lines.push(person.line);
        }
        plan.families.push(ImportFamily {
            family: NewFamily {
                external_id,
                name: f.name.clone(),
                liaison: None,
                contacts: Default::default(),
            },
            members,
        });
        plan.family_lines.push(f.line);
    }
    if plan.families.is_empty() {
        return Err(input_error!(
            "{}: the [DVI] section has no reference families",
            path.display()
        ));
    }
    Ok(plan)
}

/// What was written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FamWritten {
    pub families: usize,
    pub members: usize,
    pub references: usize,
}

impl fmt::Display for FamWritten {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} families ({} members) and {} reference profiles imported",
            self.families, self.members, self.references
        )
    }
}

impl Import for Fam {
    type Checked = FamPlan;

    /// Reads the file and builds every family and reference, checking each pedigree.
    fn check(&self, label: &str, text: &str) -> Result<FamPlan> {
        plan(Path::new(label), text, self)
    }
}

impl IntoRegistry for Fam {
    type Plan = FamPlan;
    type Written = FamWritten;

    /// The registry refuses families and references it holds already when the file is written.
    async fn plan(&self, _store: &Store, _label: &str, plan: FamPlan) -> Result<FamPlan> {
        Ok(plan)
    }

    async fn write(&self, store: &Store, path: &str, actor: &str, plan: FamPlan) -> Result<FamWritten> {
        match store
            .import_families_with_references(actor, &plan.families, &plan.references)
            .await
        {
            Ok((summary, references)) => Ok(FamWritten {
                families: summary.families,
                members: summary.members,
                references,
            }),
            Err((part, i, e)) => {
                let line = match part {
                    ImportPart::Families => plan.family_lines.get(i),
                    ImportPart::References => plan.reference_lines.get(i),
                };
                let at = line.map_or(String::new(), |l| format!(" line {l}:"));
                match e {
                    registry::StoreError::Duplicate { .. }
                    | registry::StoreError::Invalid(_)
                    | registry::StoreError::NotFound { .. } => {
                        Err(input_error!("{path}:{at} {e}; nothing was imported"))
                    }
                    other => Err(anyhow::Error::new(other).context("importing; nothing was imported")),
                }
            }
        }
    }
}
