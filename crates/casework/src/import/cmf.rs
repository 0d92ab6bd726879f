//! `import cmf FILE`: the specimens of a CODIS CMF 3.2 file into the registry; and
//! `homeward export cmf`, the registry's STR profiles as such a file.
//!
//! * **Unidentified Human (Remains)**: new remains at the burial site named by `--site` (its
//!   external id), with one sample: external id the SPECIMENID, laboratory the file's SOURCELAB, the
//!   STR profile of the specimen.
//! * **Relatives** (Biological Mother, Father, Child, Sibling; Spouse, Maternal or Paternal Relative,
//!   Relative of Missing Person) and **Missing Person** (a direct reference): a reference sample of a
//!   member of the family whose external id is the specimen's CASEID (import families first),
//!   with the consent given by `--consent-scope` and `--consent-date` (CMF carries no consent). The
//!   donor is the family member whose name is the SPECIMENID when there is one; otherwise the one
//!   member whom the relationship names in the family tree (the missing member's mother or father,
//!   their one child, their one sibling — sharing a parent —, or the missing member for a direct
//!   reference). A relationship that names nobody or several members is an error. Either way the
//!   relationship is checked against the tree where the tree can tell (parents, children, siblings).
//!   The kit is the file's KIT, else the first locus KIT.
//!
//! Other categories (forensic, offender, …) are refused. A locus with more than two alleles (a
//! mixture) is refused; a locus without alleles is left untyped. Off-ladder alleles (`<6`, `>17`)
//! are stored as written.
//!
//! Every specimen is checked, against the file and the registry, before anything is written; the
//! first problem stops the import naming the line and element (exit code 2). Then the whole file is
//! written in one transaction ([`registry::Store::import_specimens`]). Specimens already in the
//! registry (by external id) make the import fail, so a file is imported once.
//!
//! `export cmf` writes every typed remains sample (category Unidentified Human (Remains), CASEID
//! the site's external id) and every active reference sample with STR genotypes (CASEID the
//! family's external id, the category from the family tree as `import cmf` reads it, Relative of
//! Missing Person when the tree does not say). Profiles are read through the audited reads.
//! Importing an export into a registry with the same sites and families gives the same records.

use std::collections::hash_map::Entry;
use std::collections::HashMap;
use std::fmt::{self, Display};

use anyhow::Result;
use formats::{CmfFile, Relationship, Specimen, SpecimenRole};
use registry::model::PartialDate;
use registry::{
    Consent, ConsentScope, FamilyMember, NewReference, NewRemains, NewSample, ProfileKind, ReferenceProfile,
    SampleProfile, Store, StrProfile,
};

use super::{families_with_members, Import, IntoRegistry};
use crate::input_error;

/// What the file cannot say: where the remains were found, and the consent of the relatives.
#[derive(Debug, Clone, Default)]
pub struct CmfOptions {
    pub site: Option<String>,
    pub consent_scope: Option<String>,
    pub consent_date: Option<String>,
}

/// A specimen of the file, checked on its own and ready to be placed in the registry.
struct Planned<'a> {
    specimen: &'a Specimen,
    profile: StrProfile,
    kind: Kind,
}

enum Kind {
    Remains,
    Reference { family: String, role: SpecimenRole },
}

fn specimen_error(path: &str, s: &Specimen, message: impl Display) -> anyhow::Error {
    input_error!("{path}: line {}, element <SPECIMEN> '{}': {message}", s.line, s.id)
}

/// The STR profile of a specimen: `a/b` or `a` per locus, loci without alleles left out.
fn profile(path: &str, s: &Specimen) -> Result<StrProfile> {
    let mut genotypes = Vec::new();
    for locus in &s.loci {
        let values: Vec<&str> = locus.alleles.iter().map(|a| a.value.as_str()).collect();
        if values.len() > 2 {
            return Err(input_error!(
                "{path}: line {}, element <LOCUS> {} of '{}': {} alleles ({}); a remains or reference profile \
                 is a single person's, with at most two",
                locus.line,
                locus.name,
                s.id,
                values.len(),
                values.join(", ")
            ));
        }
        if !values.is_empty() {
            genotypes.push((locus.name.as_str(), values.join("/"), locus.line));
        }
    }
    StrProfile::new(genotypes.iter().map(|(m, g, _)| (*m, g.as_str()))).map_err(|e| {
        let at = genotypes
            .iter()
            .find(|(m, g, _)| StrProfile::new([(*m, g.as_str())]).is_err())
            .map_or(s.line, |(_, _, line)| *line);
        input_error!("{path}: line {at}, element <LOCUS> of '{}': {}", s.id, e.message)
    })
}

fn checked_specimens<'a>(path: &str, file: &'a CmfFile, options: &CmfOptions) -> Result<Vec<Planned<'a>>> {
    let mut out = Vec::new();
    for s in &file.specimens {
        let role = s.category.role();
        let kind = match role {
            SpecimenRole::UnidentifiedRemains => {
                if options.site.is_none() {
                    return Err(specimen_error(
                        path,
                        s,
                        "unidentified remains need --site SITE_EXTERNAL_ID (the burial site they come from)",
                    ));
                }
                Kind::Remains
            }
            SpecimenRole::MissingPerson | SpecimenRole::Relative(_) => {
                let family = s.case_id.clone().ok_or_else(|| {
                    specimen_error(
                        path,
                        s,
                        "a reference needs CASEID, the external id of the donor's family",
                    )
                })?;
                if options.consent_scope.is_none() || options.consent_date.is_none() {
                    return Err(specimen_error(
                        path,
                        s,
                        "reference samples need --consent-scope and --consent-date (CMF carries no consent)",
                    ));
                }
                Kind::Reference { family, role }
            }
            SpecimenRole::Other => {
                return Err(specimen_error(
                    path,
                    s,
                    format!(
                        "category '{}' is not a missing-persons category (Unidentified Human (Remains), Missing \
                         Person, Biological Mother/Father/Child/Sibling, Spouse, Maternal/Paternal Relative)",
                        s.category.0
                    ),
                ))
            }
        };
        let profile = profile(path, s)?;
        if profile.is_empty() {
            return Err(specimen_error(path, s, "no locus has an allele"));
        }
        out.push(Planned {
            specimen: s,
            profile,
            kind,
        });
    }
    Ok(out)
}

/// The members of one family whom `role` names, relative to its missing member.
fn named_by(role: SpecimenRole, members: &[FamilyMember]) -> Result<Vec<&FamilyMember>, String> {
    let missing: Vec<&FamilyMember> = members.iter().filter(|m| m.data.is_missing).collect();
    let [missing] = missing.as_slice() else {
        return Err(format!(
            "the family has {} missing members; a relationship needs exactly one",
            missing.len()
        ));
    };
    let by_id = |id: Option<i64>| members.iter().filter(move |m| Some(m.id) == id);
    let parents = [missing.data.father_member_id, missing.data.mother_member_id];
    Ok(match role {
        SpecimenRole::MissingPerson => vec![*missing],
        SpecimenRole::Relative(Relationship::Mother) => by_id(missing.data.mother_member_id).collect(),
        SpecimenRole::Relative(Relationship::Father) => by_id(missing.data.father_member_id).collect(),
        SpecimenRole::Relative(Relationship::Child) => members
            .iter()
            .filter(|m| [m.data.father_member_id, m.data.mother_member_id].contains(&Some(missing.id)))
            .collect(),
        SpecimenRole::Relative(Relationship::Sibling) => members
            .iter()
            .filter(|m| m.id != missing.id)
            .filter(|m| {
                [m.data.father_member_id, m.data.mother_member_id]
                    .iter()
                    .any(|p| p.is_some() && parents.contains(p))
            })
            .collect(),
        _ => return Err("this relationship cannot be found in a family tree".into()),
    })
}

/// Whether the tree can check `role` (parents, children, siblings and the missing person).
fn checkable(role: SpecimenRole) -> bool {
    matches!(
        role,
        SpecimenRole::MissingPerson
            | SpecimenRole::Relative(
                Relationship::Mother | Relationship::Father | Relationship::Child | Relationship::Sibling
            )
    )
}

/// The donor of a reference specimen in its family.
fn donor(path: &str, s: &Specimen, role: SpecimenRole, members: &[FamilyMember]) -> Result<i64> {
    let family = s.case_id.as_deref().unwrap_or_default();
    let by_name: Vec<&FamilyMember> = members.iter().filter(|m| m.data.display_name.trim() == s.id).collect();
    if by_name.len() > 1 {
        return Err(specimen_error(
            path,
            s,
            format!("family {family} has several members named '{}'", s.id),
        ));
    }
    let named = if checkable(role) {
        named_by(role, members).map_err(|m| specimen_error(path, s, format!("family {family}: {m}")))?
    } else {
        Vec::new()
    };
    let category = &s.category.0;
    match (by_name.first(), named.as_slice()) {
        (Some(m), _) if !checkable(role) || named.iter().any(|n| n.id == m.id) => Ok(m.id),
        (Some(m), _) => Err(specimen_error(
            path,
            s,
            format!(
                "member '{}' of family {family} is not the missing member's {category} in the family tree",
                m.data.display_name
            ),
        )),
        (None, [one]) => Ok(one.id),
        (None, []) if !checkable(role) => Err(specimen_error(
            path,
            s,
            format!(
                "'{category}' does not say which member of family {family} gave it; name the member '{}'",
                s.id
            ),
        )),
        (None, []) => Err(specimen_error(
            path,
            s,
            format!("family {family} has no member who is the missing member's {category}"),
        )),
        (None, several) => {
            let names: Vec<&str> = several.iter().map(|m| m.data.display_name.as_str()).collect();
            Err(specimen_error(
                path,
                s,
                format!(
                    "several members of family {family} fit '{category}' ({}); name the donor '{}' to choose",
                    names.join(", "),
                    s.id
                ),
            ))
        }
    }
}

/// The CMF import, with what the file cannot say.
#[derive(Debug, Clone, Default)]
pub struct Cmf {
    pub options: CmfOptions,
}

/// The remains (each with its sample) and references to write, and where each specimen stands in
/// the file (remains first, as written).
#[derive(Debug)]
pub struct CmfPlan {
    remains: Vec<(NewRemains, NewSample)>,
    references: Vec<NewReference>,
    specimens: Vec<(usize, String)>,
}

/// How many remains and references were written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CmfWritten {
    pub remains: usize,
    pub references: usize,
}

impl fmt::Display for CmfWritten {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} remains with their samples and {} reference samples imported",
            self.remains, self.references
        )
    }
}

impl Import for Cmf {
    type Checked = CmfFile;

    /// Reads the file and checks every specimen on its own.
    fn check(&self, label: &str, text: &str) -> Result<CmfFile> {
        let cmf = formats::read_cmf(text).map_err(|e| input_error!("{label}: {e}"))?;
        checked_specimens(label, &cmf, &self.options)?;
        Ok(cmf)
    }
}

impl IntoRegistry for Cmf {
    type Plan = CmfPlan;
    type Written = CmfWritten;

    async fn plan(&self, store: &Store, label: &str, file: CmfFile) -> Result<CmfPlan> {
        place(store, label, &file, &self.options).await
    }

    async fn write(&self, store: &Store, path: &str, actor: &str, plan: CmfPlan) -> Result<CmfWritten> {
        store
            .import_specimens(actor, &plan.remains, &plan.references)
            .await
            .map_err(|(i, e)| {
                let note = "nothing was written (the file is imported in one transaction)";
                let at = plan.specimens.get(i).map_or_else(
                    || path.to_owned(),
                    |(line, id)| format!("{path}: line {line}, element <SPECIMEN> '{id}'"),
                );
                match e {
                    e @ (registry::StoreError::Invalid(_)
                    | registry::StoreError::Duplicate { .. }
                    | registry::StoreError::NotFound { .. }) => input_error!("{at}: {e}; {note}"),
                    other => anyhow::Error::new(other).context(format!("{at}: writing failed; {note}")),
                }
            })?;
        Ok(CmfWritten {
            remains: plan.remains.len(),
            references: plan.references.len(),
        })
    }
}

/// Places every specimen in the registry: the site of the remains, the family and donor of each
/// reference. Reads only.
async fn place(store: &Store, path: &str, file: &CmfFile, options: &CmfOptions) -> Result<CmfPlan> {
    let planned = checked_specimens(path, file, options)?;
    let site_id = match &options.site {
        Some(site) => {
            let sites = store.list_sites().await?;
            let found = sites.iter().find(|s| s.data.external_id.trim() == site.trim());
            Some(
                found
                    .ok_or_else(|| input_error!("--site {site}: no site with this external id in the registry"))?
                    .id,
            )
        }
        None => None,
    };
    let consent = match (&options.consent_scope, &options.consent_date) {
        (Some(scope), Some(date)) => Some(Consent {
            scope: scope
                .parse::<ConsentScope>()
                .map_err(|e| input_error!("--consent-scope: {e}"))?,
            date: date
                .parse::<PartialDate>()
                .map_err(|e| input_error!("--consent-date: {e}"))?,
        }),
        _ => None,
    };
    let wanted: Vec<&str> = planned
        .iter()
        .filter_map(|p| match &p.kind {
            Kind::Reference { family, .. } => Some(family.as_str()),
            Kind::Remains => None,
        })
        .collect();
    let (families, stored_members) = families_with_members(store, wanted).await?;
    let mut members: HashMap<i64, Vec<FamilyMember>> = HashMap::new();
    for m in stored_members {
        members.entry(m.family_id).or_default().push(m);
    }
    let kit = file
        .kit
        .clone()
        .or_else(|| file.specimens.iter().flat_map(|s| &s.loci).find_map(|l| l.kit.clone()));
    let (mut remains, mut references, mut lines) = (Vec::new(), Vec::new(), (Vec::new(), Vec::new()));
    for p in planned {
        let s = p.specimen;
        match p.kind {
            Kind::Remains => {
                remains.push((
                    NewRemains {
                        external_id: s.id.clone(),
                        site_id: site_id.unwrap_or_default(),
                        mission_id: None,
                        recovery_date: None,
                        skeletal_element: "not recorded (CODIS CMF import)".to_owned(),
                    },
                    NewSample {
                        external_id: s.id.clone(),
                        remains_id: 0,
                        lab: file.source_lab.clone(),
                        profile_kind: ProfileKind::Str,
                        profile: Some(SampleProfile::Str(p.profile)),
                    },
                ));
                lines.0.push(s);
            }
            Kind::Reference { family, role } => {
                let family_id = *families.get(family.as_str()).ok_or_else(|| {
                    specimen_error(
                        path,
                        s,
                        format!("no family '{family}' in the registry (import families first)"),
                    )
                })?;
                let donor_member_id = donor(path, s, role, members.get(&family_id).map_or(&[], Vec::as_slice))?;
                let kit = kit
                    .clone()
                    .ok_or_else(|| specimen_error(path, s, "the file names no KIT"))?;
                references.push(NewReference {
                    external_id: s.id.clone(),
                    donor_member_id,
                    kit,
                    profile: ReferenceProfile {
                        str_profile: p.profile,
                        y_haplotype: None,
                        mtdna: None,
                    },
                    consent: consent.expect("checked with the plan"),
                });
                lines.1.push(s);
            }
        }
    }
    let specimens = lines
        .0
        .into_iter()
        .chain(lines.1)
        .map(|s| (s.line, s.id.clone()))
        .collect();
    Ok(CmfPlan {
        remains,
        references,
        specimens,
    })
}

// ---- export ----

/// The header of an exported file: who sends it to whom.
#[derive(Debug, Clone)]
pub struct CmfHeader {
    pub source_lab: String,
    pub destination_ori: String,
    pub user: String,
}

impl CmfHeader {
    /// Every part is needed: CODIS refuses a file without them.
    pub fn check(&self) -> Result<()> {
        for (flag, value) in [
            ("--source-lab", &self.source_lab),
            ("--destination-ori", &self.destination_ori),
            ("--user", &self.user),
        ] {
            if value.trim().is_empty() {
                return Err(input_error!("{flag}: must not be empty"));
            }
        }
        Ok(())
    }
}

/// The CMF category of a reference donor, from the family tree: the relationships `import cmf`
/// finds (the missing person, a parent, a child, a sibling), else "Relative of Missing Person".
fn category_of(donor: i64, members: &[FamilyMember]) -> &'static str {
    let roles = [
        SpecimenRole::MissingPerson,
        SpecimenRole::Relative(Relationship::Mother),
        SpecimenRole::Relative(Relationship::Father),
        SpecimenRole::Relative(Relationship::Child),
        SpecimenRole::Relative(Relationship::Sibling),
    ];
    let found = roles
        .into_iter()
        .find(|&role| named_by(role, members).is_ok_and(|named| named.iter().any(|m| m.id == donor)));
    match found {
        Some(SpecimenRole::MissingPerson) => "Missing Person",
        Some(SpecimenRole::Relative(r)) => r.category(),
        _ => Relationship::Unspecified.category(),
    }
}

/// The CMF loci of a stored STR profile (`-`, an allele known to be missing, is left out).
fn loci(profile: &StrProfile, kit: Option<&str>, user: &str) -> Vec<formats::Locus> {
    profile
        .genotypes()
        .iter()
        .map(|(marker, genotype)| formats::Locus {
            line: 0,
            name: marker.clone(),
            batch_id: None,
            kit: kit.map(str::to_owned),
            reading_by: user.to_owned(),
            reading_date_time: None,
            alleles: genotype
                .split('/')
                .filter(|a| *a != "-")
                .map(|a| formats::Allele {
                    value: a.to_owned(),
                    required: false,
                })
                .collect(),
        })
        .collect()
}

async fn export_file(store: &Store, actor: &str, header: &CmfHeader) -> Result<CmfFile> {
    let mut specimens = Vec::new();
    let specimen = |id: &str, category: &str, case_id: &str, loci| Specimen {
        line: 0,
        source_id: None,
        case_id: Some(case_id.to_owned()),
        partial: false,
        id: id.to_owned(),
        category: formats::SpecimenCategory(category.to_owned()),
        comment: None,
        loci,
    };
    for site in store.list_sites().await? {
        for remains in store.list_remains(site.id).await? {
            for sample in store.list_samples(remains.id).await? {
                if let Some(SampleProfile::Str(p)) = store.get_sample_profile(actor, sample.id).await? {
                    let loci = loci(&p, None, &header.user);
                    specimens.push(specimen(
                        &sample.external_id,
                        "Unidentified Human (Remains)",
                        &site.data.external_id,
                        loci,
                    ));
                }
            }
        }
    }
    let families: HashMap<i64, registry::Family> =
        store.list_families().await?.into_iter().map(|f| (f.id, f)).collect();
    let mut members: HashMap<i64, Vec<FamilyMember>> = HashMap::new();
    for r in store.list_active_references().await? {
        let Some(profile) = store.get_reference_profile(actor, r.id).await? else {
            continue;
        };
        if profile.str_profile.is_empty() {
            continue;
        }
        let family_members = match members.entry(r.family_id) {
            Entry::Occupied(e) => e.into_mut(),
            Entry::Vacant(e) => e.insert(store.list_members(r.family_id).await?),
        };
        let category = category_of(r.donor_member_id, family_members);
        let family = families.get(&r.family_id).map_or("", |f| f.external_id.as_str());
        let loci = loci(&profile.str_profile, Some(&r.kit), &header.user);
        specimens.push(specimen(&r.external_id, category, family, loci));
    }
    let now = registry::now_utc();
    Ok(CmfFile {
        header_version: "3.2".into(),
        message_type: "Import".into(),
        destination_ori: header.destination_ori.clone(),
        source_lab: header.source_lab.clone(),
        submit_by_user_id: header.user.clone(),
        submit_date_time: now.chars().take(19).collect(),
        batch_id: None,
        kit: None,
        specimens,
    })
}

/// `export cmf`: every typed remains sample and active reference sample with an STR profile, as a
/// CMF 3.2 file. The profiles are read through the registry's audited reads, as `actor`.
pub async fn export(store: &Store, actor: &str, header: &CmfHeader) -> Result<CmfFile> {
    header.check()?;
    export_file(store, actor, header).await
}
