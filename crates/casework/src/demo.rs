//! The registry of `homeward demo`: built from the bundled synthetic scenario (crate `demo`), with a
//! matching job run over it and the identifications its candidates support proposed. The command
//! line serves it.
//!
//! The data directory holds `homeward-demo.db` and `demo-users.txt` (the generated passwords). A
//! directory whose build finished (`demo-ready`) is served again as it is; an unfinished build is
//! discarded and rebuilt. Nothing outside the data directory is written.

use std::collections::HashMap;
use std::fmt::Write as _;
use std::path::Path;
use std::sync::Arc;
use std::time::Instant;

use anyhow::{anyhow, Context, Result};
pub use demo::DemoSize;
use demo::Scenario;
use registry::model::{Coordinates, Name, NameKind, NewPerson, NewSite, PartialDate, PersonStatus, Place, Sex, Source};
use registry::{
    Consent, ConsentScope, ImportFamily, MissionKind, NewCustodyEvent, NewFamily, NewMember, NewMission, NewReference,
    NewRemains, NewSample, NewVisitRequest, Participant, ProfileKind, ReferenceProfile, Role, SampleProfile, Store,
    StrProfile,
};

const DB_FILE: &str = "homeward-demo.db";
const USERS_FILE: &str = "demo-users.txt";
const READY_FILE: &str = "demo-ready";
const ACTOR: &str = "demo";

/// The demo's users: one per role, two reviewers (an identification needs two).
const DEMO_USERS: [(&str, Role); 7] = [
    ("admin", Role::Admin),
    ("liaison", Role::FamilyLiaison),
    ("analyst", Role::LabAnalyst),
    ("reviewer1", Role::Reviewer),
    ("reviewer2", Role::Reviewer),
    ("planner", Role::MissionPlanner),
    ("viewer", Role::Viewer),
];

/// An identification is proposed from a candidate with at least this LR and this posterior.
const PROPOSE_LOG10_LR: f64 = 4.0;
const PROPOSE_POSTERIOR: f64 = 0.99;

/// A demo user: username, role, password.
pub type DemoUser = (String, String, String);

/// The demo registry in `dir`: the one a finished build left there (unless `rebuild`), else a new
/// one built from the scenario of `seed` (an unfinished build is discarded first). Gives the open
/// store and the demo users with their passwords.
pub async fn open_or_build(dir: &Path, seed: u64, size: DemoSize, rebuild: bool) -> Result<(Store, Vec<DemoUser>)> {
    std::fs::create_dir_all(dir).with_context(|| format!("creating the demo directory {}", dir.display()))?;
    let ready_path = dir.join(READY_FILE);
    if rebuild || !ready_path.exists() {
        remove_demo_database(dir)?;
    }
    let url = database_url(dir);
    let store = crate::store::open(&url).await?;
    let users = if ready_path.exists() {
        eprintln!("reusing the demo database in {}", dir.display());
        read_users(&dir.join(USERS_FILE))?
    } else {
        let users = build(&store, dir, seed, size).await?;
        crate::store::keep_anchor(&store, &url).await;
        std::fs::write(&ready_path, format!("seed {seed}\n"))
            .with_context(|| format!("writing {}", ready_path.display()))?;
        users
    };
    Ok((store, users))
}

/// The URL of the demo registry in `dir`.
pub fn database_url(dir: &Path) -> String {
    format!("sqlite://{}", dir.join(DB_FILE).display())
}

fn remove_demo_database(dir: &Path) -> Result<()> {
    // The key is kept (it is the demo directory's); the anchor belongs to the database it records.
    for suffix in ["", "-wal", "-shm", ".anchor"] {
        let path = dir.join(format!("{DB_FILE}{suffix}"));
        match std::fs::remove_file(&path) {
            Ok(()) => {}
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => return Err(e).with_context(|| format!("removing {}", path.display())),
        }
    }
    for file in [READY_FILE, USERS_FILE] {
        let _ = std::fs::remove_file(dir.join(file));
    }
    Ok(())
}

fn read_users(path: &Path) -> Result<Vec<DemoUser>> {
    let text = std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
    text.lines()
        .filter(|l| !l.trim().is_empty())
        .enumerate()
        .map(|(i, line)| {
            let cells: Vec<&str> = line.split('\t').collect();
            match cells[..] {
                [name, role, password] => Ok((name.to_string(), role.to_string(), password.to_string())),
                _ => Err(anyhow!(
                    "{}: line {}: expected username, role and password",
                    path.display(),
                    i + 1
                )),
            }
        })
        .collect()
}

/// A password of 16 letters and digits from the operating system's generator.
fn password() -> Result<String> {
    const ALPHABET: &[u8] = b"abcdefghjkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789";
    let mut bytes = [0u8; 16];
    getrandom::getrandom(&mut bytes).map_err(|e| anyhow!("the system's random generator failed: {e}"))?;
    // 256 is not a multiple of the alphabet's size; the bias (under 1%) does not matter for a demo.
    Ok(bytes
        .iter()
        .map(|b| ALPHABET[*b as usize % ALPHABET.len()] as char)
        .collect())
}

/// The markers the demo's matching jobs use: those of the bundled profiles.
pub fn matching_settings() -> jobs::MatchingSettings {
    jobs::MatchingSettings {
        markers: demo::demo_markers(),
        top: 5,
        min_log10_lr: 0.0,
        threads: std::thread::available_parallelism().map_or(1, |n| n.get()),
        snp: Some(jobs::snp::SnpSettings {
            panel: demo::FORCE_PANEL_NAME.to_owned(),
            population: None,
            genotype_error: DEMO_SNP_GENOTYPE_ERROR,
            map: kinship::MapFunction::Haldane,
            sex_averaged_map: false,
        }),
    }
}

/// The genotyping error the demo's matching jobs assume for SNP calls.
const DEMO_SNP_GENOTYPE_ERROR: f64 = 0.001;

/// The demo's SNP profiles (`demo::snp_profiles`) written as the laboratory's VCF file and imported
/// as `homeward import vcf` imports one, after keeping the FORCE panel. Returns how many.
async fn write_snp_profiles(store: &Store, scenario: &Scenario) -> Result<usize> {
    use crate::import::vcf::{SnpPanelImport, VcfImport};
    let panel_import = SnpPanelImport {
        name: demo::FORCE_PANEL_NAME.to_owned(),
    };
    crate::import::run(&panel_import, store, "force-autosomal.tsv", demo::FORCE_PANEL, ACTOR).await?;
    let profiles = demo::snp_profiles(scenario);
    let names: Vec<&str> = profiles
        .iter()
        .map(|p| match p.holder {
            demo::SnpHolder::Remains(r) => scenario.remains[r].sample_key.as_str(),
            demo::SnpHolder::Reference { family, reference } => {
                scenario.families[family].references[reference].key.as_str()
            }
        })
        .collect();
    let panel = formats::read_snp_panel(demo::FORCE_PANEL)?;
    let mut vcf = String::from(
        "##fileformat=VCFv4.2\n##source=homeward demo (simulated calls)\n\
         ##FORMAT=<ID=GT,Number=1,Type=String,Description=\"Genotype\">\n\
         #CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\tFORMAT",
    );
    for name in &names {
        vcf.push('\t');
        vcf.push_str(name);
    }
    vcf.push('\n');
    for (i, snp) in panel.snps.iter().enumerate() {
        let _ = write!(
            vcf,
            "{}\t{}\t{}\t{}\t{}\t.\tPASS\t.\tGT",
            snp.chrom, snp.pos_bp, snp.marker, snp.reference, snp.alt
        );
        for p in &profiles {
            vcf.push_str(match p.calls[i] {
                None => "\t./.",
                Some(0) => "\t0/0",
                Some(1) => "\t0/1",
                Some(_) => "\t1/1",
            });
        }
        vcf.push('\n');
    }
    let vcf_import = VcfImport {
        panel: demo::FORCE_PANEL_NAME.to_owned(),
        sequencing_error: None,
    };
    let written = crate::import::run(&vcf_import, store, "demo-force.vcf", &vcf, ACTOR).await?;
    Ok(written.written)
}

fn sex(s: demo::Sex) -> Sex {
    match s {
        demo::Sex::Male => Sex::Male,
        demo::Sex::Female => Sex::Female,
    }
}

fn name(text: &str, script: &str, lang: &str, kind: NameKind) -> Result<Name> {
    Name::new(text, script, Some(lang), kind).map_err(|e| anyhow!("demo name '{text}': {e}"))
}

fn step(what: &str, since: &mut Instant) {
    eprintln!("  {what} ({:.1} s)", since.elapsed().as_secs_f64());
    *since = Instant::now();
}

/// Writes the whole scenario to an empty registry; returns the users with their passwords.
async fn build(store: &Store, dir: &Path, seed: u64, size: DemoSize) -> Result<Vec<DemoUser>> {
    let mut clock = Instant::now();
    eprintln!("building the demo registry in {} (seed {seed})", dir.display());
    let scenario = Scenario::generate(seed, size);
    step("scenario simulated", &mut clock);

    let mut users = Vec::new();
    for (username, role) in DEMO_USERS {
        let pw = password()?;
        store.add_user(ACTOR, username, role, &pw).await?;
        users.push((username.to_string(), role.as_str().to_string(), pw));
    }
    let users_path = dir.join(USERS_FILE);
    let text: String = users.iter().map(|(u, r, p)| format!("{u}\t{r}\t{p}\n")).collect();
    std::fs::write(&users_path, text).with_context(|| format!("writing {}", users_path.display()))?;
    restrict_to_owner(&users_path)?;

    let site_ids = write_sites(store, &scenario).await?;
    step("71 burial sites", &mut clock);
    let person_ids = write_persons(store, &scenario).await?;
    step("persons", &mut clock);
    let family_ids = write_families(store, &scenario, &person_ids).await?;
    step("families and reference profiles", &mut clock);
    let missions = write_missions(store, &scenario, &site_ids, &family_ids.families).await?;
    let sample_remains = write_remains(store, &scenario, &site_ids, &missions).await?;
    step("remains and samples", &mut clock);
    let snps = write_snp_profiles(store, &scenario).await?;
    step(&format!("{snps} SNP profiles on the FORCE panel"), &mut clock);

    let job = store.create_job("analyst", "matching").await?;
    jobs::run_matching_job(
        store.clone(),
        job.id,
        "analyst".to_string(),
        Arc::new(matching_settings()),
    )
    .await;
    let job = store
        .get_job(job.id)
        .await?
        .ok_or_else(|| anyhow!("the matching job vanished"))?;
    if let Some(error) = job.error {
        return Err(anyhow!("the demo's matching job failed: {error}"));
    }
    step("matching job", &mut clock);
    let proposed = propose(store, &scenario, job.id, &family_ids.members, &sample_remains).await?;
    step("identifications proposed", &mut clock);
    eprintln!(
        "demo registry: {} sites, {} persons, {} families, {} samples; {} identifications proposed \
         ({} agree with the simulation's truth)",
        scenario.sites.len(),
        scenario.persons.len(),
        scenario.families.len(),
        scenario.remains.len(),
        proposed.0,
        proposed.1
    );
    Ok(users)
}

#[cfg(unix)]
fn restrict_to_owner(path: &Path) -> Result<()> {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600))
        .with_context(|| format!("restricting {}", path.display()))
}

#[cfg(not(unix))]
fn restrict_to_owner(_: &Path) -> Result<()> {
    Ok(())
}

/// Writes the sites; a site whose graves were moved gets a record of its former place, relocated
/// to it, so that the relocation history shows. Returns registry ids by scenario index.
async fn write_sites(store: &Store, scenario: &Scenario) -> Result<Vec<i64>> {
    let mut new_sites = Vec::new();
    for s in &scenario.sites {
        let status = s.state.as_str().parse().map_err(|e: String| anyhow!(e))?;
        let coordinates =
            Coordinates::new(s.lat, s.lon, Some(s.precision_m)).map_err(|e| anyhow!("site {}: {e}", s.key))?;
        new_sites.push(NewSite {
            external_id: s.key.clone(),
            names: vec![
                name(&s.name_ja, "Jpan", "ja", NameKind::Primary)?,
                name(&s.name_en, "Latn", "en", NameKind::Transliteration)?,
                name(&s.name_ko, "Kore", "ko", NameKind::Transliteration)?,
            ],
            coordinates: Some(coordinates),
            status,
            estimated_count: s.reported_count,
            notes: Some(s.notes.clone()),
        });
    }
    let former: Vec<(usize, NewSite)> = scenario
        .sites
        .iter()
        .enumerate()
        .filter_map(|(i, s)| {
            let history = s.relocation.as_ref()?;
            let mut site = new_sites[i].clone();
            site.external_id = format!("{}-former", s.key);
            site.names = site
                .names
                .iter()
                .map(|n| Name {
                    text: format!("{} (former place)", n.text),
                    ..n.clone()
                })
                .collect();
            site.status = "known".parse().ok()?;
            site.estimated_count = None;
            site.notes = Some(format!("Where the graves were before: {history}"));
            Some((i, site))
        })
        .collect();
    let mut all = new_sites.clone();
    all.extend(former.iter().map(|(_, s)| s.clone()));
    store
        .import_sites(ACTOR, &all)
        .await
        .map_err(|(i, e)| anyhow!("site {i}: {e}"))?;
    let by_key: HashMap<String, (i64, i64)> = store
        .list_sites()
        .await?
        .into_iter()
        .map(|s| (s.data.external_id.clone(), (s.id, s.version)))
        .collect();
    for (i, site) in &former {
        let (from, version) = by_key[&site.external_id];
        let to = by_key[&scenario.sites[*i].key].0;
        store.relocate_site(ACTOR, from, version, to).await?;
    }
    Ok(scenario.sites.iter().map(|s| by_key[&s.key].0).collect())
}

async fn write_persons(store: &Store, scenario: &Scenario) -> Result<Vec<i64>> {
    let mut persons = Vec::with_capacity(scenario.persons.len());
    for p in &scenario.persons {
        let site = &scenario.sites[p.site];
        let place = Place {
            name: Some(if p.burial_known {
                format!("{} ({})", site.name_en, site.town)
            } else {
                site.town.clone()
            }),
            coordinates: Some(
                Coordinates::new(site.lat, site.lon, Some(site.precision_m)).map_err(|e| anyhow!("{e}"))?,
            ),
        };
        persons.push(NewPerson {
            external_id: p.key.clone(),
            names: vec![
                name(&p.name_kanji(), "Jpan", "ja", NameKind::Primary)?,
                name(&p.name_kana(), "Hira", "ja", NameKind::Transliteration)?,
                name(&p.name_romaji(), "Latn", "ja-Latn", NameKind::Transliteration)?,
            ],
            sex: sex(p.sex),
            birth: Some(p.birth),
            death: Some(p.death),
            death_place: Some(place),
            sources: vec![Source {
                citation: "Synthetic demo death register (no real person)".to_string(),
                note: Some(format!(
                    "本籍 {} ({}); buried at {}",
                    p.prefecture.kanji, p.prefecture.romaji, site.name_ja
                )),
            }],
        });
    }
    store
        .import_persons(ACTOR, &persons)
        .await
        .map_err(|(i, e)| anyhow!("person {i}: {e}"))?;
    let keys: Vec<&str> = scenario.persons.iter().map(|p| p.key.as_str()).collect();
    let ids: HashMap<String, i64> = store.person_ids_by_external_id(&keys).await?.into_iter().collect();
    let ids: Vec<i64> = scenario.persons.iter().map(|p| ids[&p.key]).collect();
    // The graves of most are known from the survey lists: their status moves to located.
    let located: Vec<(i64, PersonStatus, String)> = scenario
        .persons
        .iter()
        .zip(&ids)
        .filter(|(p, _)| p.burial_known)
        .map(|(p, id)| {
            (
                *id,
                PersonStatus::Located,
                format!("burial site {} on the survey list", scenario.sites[p.site].key),
            )
        })
        .collect();
    store
        .advance_statuses(ACTOR, &located)
        .await
        .map_err(|(i, e)| anyhow!("status of located person {i}: {e}"))?;
    Ok(ids)
}

/// The registry ids of a scenario's families and their members (by family, then member index).
struct FamilyIds {
    families: Vec<i64>,
    members: Vec<Vec<i64>>,
}

/// Writes the families and their reference samples.
async fn write_families(store: &Store, scenario: &Scenario, person_ids: &[i64]) -> Result<FamilyIds> {
    let families: Vec<ImportFamily> = scenario
        .families
        .iter()
        .map(|f| ImportFamily {
            family: NewFamily {
                external_id: f.key.clone(),
                name: f.name.clone(),
                liaison: Some("liaison".to_string()),
                contacts: Default::default(),
            },
            members: f
                .members
                .iter()
                .map(|m| NewMember {
                    display_name: m.name.clone(),
                    sex: sex(m.sex),
                    person_id: m.is_missing.then(|| person_ids[f.person]),
                    alive: m.alive,
                    father_member_id: m.father.map(|i| i as i64),
                    mother_member_id: m.mother.map(|i| i as i64),
                    is_missing: m.is_missing,
                })
                .collect(),
        })
        .collect();
    store
        .import_families(ACTOR, &families)
        .await
        .map_err(|(i, e)| anyhow!("family {i}: {e}"))?;
    let keys: Vec<&str> = scenario.families.iter().map(|f| f.key.as_str()).collect();
    let stored = store.families_by_external_id(&keys).await?;
    let family_ids: HashMap<&str, i64> = stored.iter().map(|f| (f.external_id.as_str(), f.id)).collect();
    let ids: Vec<i64> = scenario.families.iter().map(|f| family_ids[f.key.as_str()]).collect();
    // The demo's family liaison looks after every family (a liaison sees only those assigned).
    for (username, role) in DEMO_USERS {
        if role == Role::FamilyLiaison {
            store.assign_families(ACTOR, &ids, username).await?;
        }
    }
    let members = store.members_of_families(&ids).await?;
    let mut by_name: HashMap<(i64, &str), i64> = HashMap::new();
    for m in &members {
        by_name.insert((m.family_id, m.data.display_name.as_str()), m.id);
    }
    let member_ids: Vec<Vec<i64>> = scenario
        .families
        .iter()
        .zip(&ids)
        .map(|(f, id)| f.members.iter().map(|m| by_name[&(*id, m.name.as_str())]).collect())
        .collect();
    let mut references = Vec::new();
    for (f, members) in scenario.families.iter().zip(&member_ids) {
        for r in &f.references {
            references.push(NewReference {
                external_id: r.key.clone(),
                donor_member_id: members[r.donor],
                kit: demo::DEMO_KIT.to_string(),
                profile: ReferenceProfile {
                    str_profile: StrProfile::new(&r.genotypes).map_err(|e| anyhow!("reference {}: {e}", r.key))?,
                    y_haplotype: None,
                    mtdna: None,
                },
                consent: Consent {
                    scope: ConsentScope::IdentificationOnly,
                    date: PartialDate {
                        year: r.consent_year,
                        month: None,
                        day: None,
                    },
                },
            });
        }
    }
    store
        .import_references(ACTOR, &references)
        .await
        .map_err(|(i, e)| anyhow!("reference {i}: {e}"))?;
    Ok(FamilyIds {
        families: ids,
        members: member_ids,
    })
}

/// A recovery mission per exhumed site, the families' visit requests and the grave-visit mission
/// to their sites. Returns the recovery mission id by site index.
async fn write_missions(
    store: &Store,
    scenario: &Scenario,
    site_ids: &[i64],
    family_ids: &[i64],
) -> Result<HashMap<usize, i64>> {
    let mut recovery = HashMap::new();
    for (i, site) in scenario.sites.iter().enumerate() {
        if site.state != demo::SiteState::Exhumed {
            continue;
        }
        let year = 2016 + (i as i32 % 9);
        let mission = store
            .create_mission(
                ACTOR,
                &NewMission {
                    kind: MissionKind::Recovery,
                    name: format!("Recovery at {} ({year})", site.name_en),
                    start: PartialDate {
                        year,
                        month: Some(5),
                        day: Some(10),
                    },
                    end: Some(PartialDate {
                        year,
                        month: Some(6),
                        day: Some(20),
                    }),
                    site_ids: vec![site_ids[i]],
                    participants: vec![
                        participant("Recovery team lead", "archaeologist"),
                        participant("Forensic anthropologist", "anthropologist"),
                        participant("Ministry liaison", "liaison"),
                    ],
                    permits: Some("Synthetic demo permit".to_string()),
                },
            )
            .await?;
        recovery.insert(i, mission.id);
    }
    // The families' requests to visit graves, and the grave-visit mission that will take them.
    for r in &scenario.visit_requests {
        store
            .create_visit_request(
                "liaison",
                &NewVisitRequest {
                    family_id: family_ids[r.family],
                    site_id: site_ids[r.site],
                    visitors: r.visitors,
                    mobility: r.mobility.as_str().parse().map_err(|e: String| anyhow!(e))?,
                    notes: None,
                },
            )
            .await?;
    }
    let mut ids: Vec<i64> = scenario.visit_requests.iter().map(|r| site_ids[r.site]).collect();
    ids.sort_unstable();
    ids.dedup();
    if !ids.is_empty() {
        let visit = store
            .create_mission(
                "planner",
                &NewMission {
                    kind: MissionKind::GraveVisit,
                    name: "Bereaved families' grave visit (demo)".to_string(),
                    start: PartialDate {
                        year: 2027,
                        month: Some(6),
                        day: Some(14),
                    },
                    end: Some(PartialDate {
                        year: 2027,
                        month: Some(6),
                        day: Some(21),
                    }),
                    site_ids: ids,
                    participants: vec![
                        participant("Family association representative", "leader"),
                        participant("Interpreter", "interpreter"),
                        participant("Physician", "medical"),
                    ],
                    permits: None,
                },
            )
            .await?;
        // The planner's first plan: from Pyongyang, moving on each night, 8-hour days on slow roads.
        let options = jobs::planning::PlanOptions {
            base: jobs::planning::BasePoint {
                label: "Pyongyang (hotel)".to_string(),
                lat: 39.03,
                lon: 125.75,
            },
            days: None,
            day_hours: 8.0,
            day_start_hour: 8,
            speed_kmh: 40.0,
            road_factor: 1.4,
            return_to_base: false,
            expected_version: None,
        };
        jobs::planning::plan_mission(store, "planner", visit.id, &options)
            .await
            .map_err(|e| anyhow!("planning the demo's grave visit: {e}"))?;
    }
    Ok(recovery)
}

fn participant(name: &str, role: &str) -> Participant {
    Participant {
        name: name.to_string(),
        role: Some(role.to_string()),
    }
}

/// Remains, their bone samples with the laboratory's profile, and the sample's chain of custody.
/// Returns the scenario's remains index of each sample id.
async fn write_remains(
    store: &Store,
    scenario: &Scenario,
    site_ids: &[i64],
    missions: &HashMap<usize, i64>,
) -> Result<HashMap<i64, usize>> {
    let mut sample_remains = HashMap::new();
    for (i, r) in scenario.remains.iter().enumerate() {
        let remains = store
            .create_remains(
                ACTOR,
                &NewRemains {
                    external_id: r.key.clone(),
                    site_id: site_ids[r.site],
                    mission_id: missions.get(&r.site).copied(),
                    recovery_date: Some(r.recovery),
                    skeletal_element: r.element.to_string(),
                },
            )
            .await?;
        let profile = StrProfile::new(&r.genotypes).map_err(|e| anyhow!("sample {}: {e}", r.sample_key))?;
        let sample = store
            .create_sample(
                ACTOR,
                &NewSample {
                    external_id: r.sample_key.clone(),
                    remains_id: remains.id,
                    lab: "Demo DNA laboratory".to_string(),
                    profile_kind: ProfileKind::Str,
                    profile: Some(SampleProfile::Str(profile)),
                },
            )
            .await?;
        let collected = format!(
            "{}-{:02}-{:02}T09:00:00Z",
            r.recovery.year,
            r.recovery.month.unwrap_or(6),
            1
        );
        for (event, who, location, at) in [
            (
                "collected",
                "Forensic anthropologist",
                scenario.sites[r.site].name_en.as_str(),
                Some(collected),
            ),
            ("received", "Demo DNA laboratory", "Laboratory, Tokyo", None),
        ] {
            store
                .append_custody_event(
                    ACTOR,
                    sample.id,
                    &NewCustodyEvent {
                        event: event.parse().map_err(|e: String| anyhow!(e))?,
                        who: who.to_string(),
                        location: location.to_string(),
                        at,
                        note: None,
                    },
                )
                .await?;
        }
        sample_remains.insert(sample.id, i);
    }
    Ok(sample_remains)
}

/// Proposes an identification for each sample whose best candidate has LR ≥ 10^4 and a posterior
/// of at least 0.99, once per person, the way an analyst does: naming the candidate, the registry
/// supplying the evidence. The posterior is the registry's one (`registry::one_in_n_posterior` under the
/// candidate's 1/N prior: the persons believed buried at the site, else the missing screened), the
/// figure the candidate page and the identification show. Returns (proposed, agreeing with the
/// simulation's truth).
async fn propose(
    store: &Store,
    scenario: &Scenario,
    job_id: i64,
    member_ids: &[Vec<i64>],
    sample_remains: &HashMap<i64, usize>,
) -> Result<(usize, usize)> {
    let mut family_of_member: HashMap<i64, usize> = HashMap::new();
    for (f, members) in member_ids.iter().enumerate() {
        let missing = scenario.families[f].missing_member();
        family_of_member.insert(members[missing], f);
    }
    let mut best: HashMap<i64, registry::Candidate> = HashMap::new();
    for c in store.list_candidates(job_id).await? {
        if c.data.log10_lr < PROPOSE_LOG10_LR {
            continue;
        }
        let keep = best
            .get(&c.data.sample_id)
            .is_none_or(|b| c.data.log10_lr > b.data.log10_lr);
        if keep {
            best.insert(c.data.sample_id, c);
        }
    }
    let mut by_person: HashMap<usize, registry::Candidate> = HashMap::new();
    for c in best.into_values() {
        let Some(&f) = family_of_member.get(&c.data.member_id) else {
            continue;
        };
        let keep = by_person.get(&f).is_none_or(|b| c.data.log10_lr > b.data.log10_lr);
        if keep {
            by_person.insert(f, c);
        }
    }
    let mut chosen: Vec<(usize, registry::Candidate)> = by_person.into_iter().collect();
    chosen.sort_by_key(|(f, _)| *f);
    let (mut proposed, mut correct) = (0, 0);
    for (f, c) in chosen {
        let family = &scenario.families[f];
        let remains = &scenario.remains[sample_remains[&c.data.sample_id]];
        if store.candidate_posterior(c.id).await? < PROPOSE_POSTERIOR {
            continue;
        }
        store.propose_from_candidate("analyst", c.id).await?;
        proposed += 1;
        if remains.truth == family.person {
            correct += 1;
        }
    }
    Ok((proposed, correct))
}
