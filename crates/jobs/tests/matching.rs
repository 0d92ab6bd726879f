//! Matching jobs, mission planning and sampling advice on a real registry (SQLite, and PostgreSQL
//! when `HOMEWARD_TEST_POSTGRES_URL` is set; required with `CI=true`): a job's life from queued to
//! done with its candidates, a failure recorded with its cause, and a mission's days planned and
//! stored by version.

use std::sync::Arc;

use jobs::planning::{plan_mission, PlanError, PlanOptions};
use jobs::{run_matching_job, MatchingSettings};
use kinship::{Chromosome, Marker};
use registry::testing::on_every_backend;
use registry::{JobStatus, Store};
use serde::de::DeserializeOwned;
use serde_json::{json, Value};

/// A registry record from JSON, as the API would receive it.
fn record<T: DeserializeOwned>(v: Value) -> T {
    serde_json::from_value(v).unwrap()
}

/// Three markers of four alleles, without mutation.
fn settings() -> Arc<MatchingSettings> {
    let marker = |name: &str| {
        let alleles = [("10", 0.2), ("11", 0.3), ("12", 0.4), ("13", 0.1)]
            .iter()
            .map(|&(a, p)| (a.to_owned(), p))
            .collect();
        Marker::without_mutation(name, alleles, Chromosome::Autosomal).unwrap()
    };
    Arc::new(MatchingSettings {
        markers: vec![marker("M1"), marker("M2"), marker("M3")],
        top: 5,
        min_log10_lr: 0.0,
        threads: 2,
        snp: None,
    })
}

async fn add_member(store: &Store, family: i64, member: Value) -> registry::FamilyMember {
    store.add_member("liaison", family, &record(member)).await.unwrap()
}

/// The ids a seeded case hands its tests.
struct Case {
    family: i64,
    son: i64,
    son_sample: i64,
    stranger_sample: i64,
}

/// A family with a typed father, an untyped mother and their missing son; the son's sample (one of
/// his father's alleles at every marker) and a stranger's (excluded at M1). `sister` adds a typed
/// daughter of the same parents with the given genotype at M1.
async fn seed(store: &Store, sister_m1: Option<&str>) -> Case {
    let family = store
        .create_family(
            "test",
            &record(json!({ "external_id": "F-1", "name": "Yamada family" })),
        )
        .await
        .unwrap();
    let father = add_member(
        store,
        family.id,
        json!({ "display_name": "Ichiro", "sex": "male", "alive": true }),
    )
    .await;
    let mother = add_member(
        store,
        family.id,
        json!({ "display_name": "Hana", "sex": "female", "alive": false }),
    )
    .await;
    let son = add_member(
        store,
        family.id,
        json!({ "display_name": "Taro", "sex": "male", "alive": false, "is_missing": true,
                            "father_member_id": father.id, "mother_member_id": mother.id }),
    )
    .await;
    let reference = |id: &str, donor: i64, profile: Value| {
        record::<registry::NewReference>(json!({
            "external_id": id, "donor_member_id": donor, "kit": "test",
            "profile": { "str_profile": profile },
            "consent": { "scope": "identification-only", "date": "2026-01" }
        }))
    };
    store
        .create_reference(
            "test",
            &reference("R-1", father.id, json!({ "M1": "10/11", "M2": "12/12", "M3": "10/13" })),
        )
        .await
        .unwrap();
    if let Some(m1) = sister_m1 {
        let sister = add_member(
            store,
            family.id,
            json!({ "display_name": "Hanako", "sex": "female", "alive": true,
                                "father_member_id": father.id, "mother_member_id": mother.id }),
        )
        .await;
        store
            .create_reference(
                "test",
                &reference("R-2", sister.id, json!({ "M1": m1, "M2": "12/10", "M3": "13/11" })),
            )
            .await
            .unwrap();
    }
    let site = store
        .create_site(
            "test",
            &record(json!({ "external_id": "S-1", "names": [{ "text": "Komusan", "script": "Latn", "kind": "primary" }], "status": "farmland" })),
        )
        .await
        .unwrap();
    let remains = store
        .create_remains(
            "test",
            &record(json!({ "external_id": "RM-1", "site_id": site.id, "skeletal_element": "tooth" })),
        )
        .await
        .unwrap();
    let mut samples = Vec::new();
    for (id, profile) in [
        ("SM-son", json!({ "M1": "11/13", "M2": "12/10", "M3": "13/12" })),
        ("SM-stranger", json!({ "M1": "12/12", "M2": "11/13", "M3": "11/11" })),
    ] {
        let sample = store
            .create_sample(
                "test",
                &record(
                    json!({ "external_id": id, "remains_id": remains.id, "lab": "lab", "profile_kind": "STR",
                                "profile": { "STR": profile } }),
                ),
            )
            .await
            .unwrap();
        samples.push(sample.id);
    }
    Case {
        family: family.id,
        son: son.id,
        son_sample: samples[0],
        stranger_sample: samples[1],
    }
}

#[test]
fn a_job_is_queued_then_runs_to_done_and_stores_its_candidates_best_first() {
    on_every_backend(|label, store| async move {
        let case = seed(&store, None).await;
        let job = store.create_job("analyst", "matching").await.unwrap();
        assert_eq!(
            (job.status, job.started_at.as_deref(), job.total),
            (JobStatus::Queued, None, 0),
            "{label}: a new job waits"
        );
        run_matching_job(store.clone(), job.id, "analyst".into(), settings()).await;
        let job = store.get_job(job.id).await.unwrap().unwrap();
        assert_eq!(job.status, JobStatus::Done, "{label}: {job:?}");
        assert_eq!(job.error, None, "{label}");
        assert_eq!(
            (job.total, job.done),
            (2, 2),
            "{label}: two samples against one missing son, all scored"
        );
        let (started, finished) = (job.started_at.unwrap(), job.finished_at.unwrap());
        assert!(
            started <= finished,
            "{label}: it ran before it finished: {started} {finished}"
        );
        let candidates = store.list_candidates(job.id).await.unwrap();
        assert!(!candidates.is_empty(), "{label}");
        assert!(
            candidates
                .iter()
                .all(|c| c.data.sample_id == case.son_sample && c.data.sample_id != case.stranger_sample),
            "{label}: the stranger is excluded at M1: {candidates:?}"
        );
        let best = &candidates[0];
        assert_eq!(
            (best.data.family_id, best.data.member_id),
            (case.family, case.son),
            "{label}"
        );
        assert!(best.data.log10_lr > 0.0, "{label}: {best:?}");
        let markers: Vec<&str> = best.data.evidence.iter().map(|e| e.marker.as_str()).collect();
        assert_eq!(markers, ["M1", "M2", "M3"], "{label}: one term per marker");
        let sum: f64 = best.data.evidence.iter().map(|e| e.log10_lr).sum();
        assert!(
            (sum - best.data.log10_lr).abs() < 1e-9,
            "{label}: the terms add up to the LR"
        );
        // One missing member in one family: nothing to solve jointly.
        assert_eq!(best.data.joint_posterior, None, "{label}");
    });
}

#[test]
fn a_job_over_an_empty_registry_is_done_with_no_candidates() {
    on_every_backend(|label, store| async move {
        let job = store.create_job("analyst", "matching").await.unwrap();
        run_matching_job(store.clone(), job.id, "analyst".into(), settings()).await;
        let job = store.get_job(job.id).await.unwrap().unwrap();
        assert_eq!((job.status, job.total), (JobStatus::Done, 0), "{label}: {job:?}");
        assert!(store.list_candidates(job.id).await.unwrap().is_empty(), "{label}");
    });
}

#[test]
fn a_job_whose_family_is_impossible_fails_with_the_cause_recorded() {
    on_every_backend(|label, store| async move {
        // The sister shares no allele with her father at M1, and the markers have no mutation
        // model: the family's references are impossible, and the job cannot score it.
        seed(&store, Some("12/12")).await;
        let job = store.create_job("analyst", "matching").await.unwrap();
        run_matching_job(store.clone(), job.id, "analyst".into(), settings()).await;
        let job = store.get_job(job.id).await.unwrap().unwrap();
        assert_eq!(job.status, JobStatus::Failed, "{label}: {job:?}");
        let error = job.error.unwrap_or_default();
        assert!(error.contains("impossible"), "{label}: the cause is recorded: {error}");
        assert!(job.finished_at.is_some(), "{label}");
        assert!(store.list_candidates(job.id).await.unwrap().is_empty(), "{label}");
        let audit = store.audit_entries(0, 1000).await.unwrap();
        assert!(
            audit
                .iter()
                .any(|e| e.action == "fail" && e.entity == "job" && e.entity_id == job.id.to_string()),
            "{label}: the failure is audited"
        );
    });
}

/// A grave-visit mission to `sites` from 14 to 16 June 2027.
async fn visit_mission(store: &Store, sites: &[i64]) -> i64 {
    store
        .create_mission(
            "planner",
            &record(
                json!({ "kind": "grave-visit", "name": "Families' visit", "start": "2027-06-14",
                            "end": "2027-06-16", "site_ids": sites }),
            ),
        )
        .await
        .unwrap()
        .id
}

fn base() -> PlanOptions {
    record(json!({ "base": { "label": "Chongjin hotel", "lat": 41.79, "lon": 129.78 } }))
}

#[test]
fn a_mission_is_planned_from_its_visit_requests_and_stored_by_version() {
    on_every_backend(|label, store| async move {
        let family = store
            .create_family(
                "liaison",
                &record(json!({ "external_id": "VF-1", "name": "Kim family" })),
            )
            .await
            .unwrap();
        let mut sites = Vec::new();
        for (id, lat) in [("VS-1", 42.1), ("VS-2", 41.6)] {
            let site = store
                .create_site(
                    "planner",
                    &record(json!({ "external_id": id,
                                    "names": [{ "text": id, "script": "Latn", "kind": "primary" }],
                                    "coordinates": { "lat": lat, "lon": 129.7 }, "status": "farmland" })),
                )
                .await
                .unwrap();
            store
                .create_visit_request(
                    "liaison",
                    &record(
                        json!({ "family_id": family.id, "site_id": site.id, "visitors": 2, "mobility": "limited" }),
                    ),
                )
                .await
                .unwrap();
            sites.push(site.id);
        }
        let mission = visit_mission(&store, &sites).await;
        let planned = plan_mission(&store, "planner", mission, &base()).await.unwrap();
        assert_eq!(planned.version, 1, "{label}");
        assert_eq!(planned.plan["days_available"], 3, "{label}: 14 to 16 June");
        assert!(
            planned.plan["unplanned"].as_array().unwrap().is_empty(),
            "{label}: {}",
            planned.plan
        );
        let text = planned.plan.to_string();
        for id in &sites {
            assert!(text.contains(&format!("\"{id}\"")), "{label}: site {id} in {text}");
        }
        assert!(
            text.contains("Kim family [VF-1]"),
            "{label}: families by name and id: {text}"
        );
        let stored = store.get_mission_itinerary(mission).await.unwrap().unwrap();
        assert_eq!(stored.plan, planned.plan, "{label}");

        // Planning again must name the version it replaces.
        let stale = plan_mission(&store, "planner", mission, &base()).await;
        assert!(
            matches!(stale, Err(PlanError::Store(registry::StoreError::Conflict { .. }))),
            "{label}: {stale:?}"
        );
        let mut again = base();
        again.expected_version = Some(1);
        again.return_to_base = true;
        let replanned = plan_mission(&store, "planner", mission, &again).await.unwrap();
        assert_eq!(replanned.version, 2, "{label}");
    });
}

#[test]
fn a_plan_names_the_option_or_record_it_cannot_use() {
    on_every_backend(|label, store| async move {
        let mut off_the_globe = base();
        off_the_globe.base.lat = 95.0;
        let mission = visit_mission(&store, &[]).await;
        let err = plan_mission(&store, "planner", mission, &off_the_globe)
            .await
            .unwrap_err();
        assert!(
            matches!(err, PlanError::Invalid { field: "base", .. }),
            "{label}: {err}"
        );

        let undated = store
            .create_mission(
                "planner",
                &record(json!({ "kind": "grave-visit", "name": "Some day", "start": "2027-06", "site_ids": [] })),
            )
            .await
            .unwrap();
        let err = plan_mission(&store, "planner", undated.id, &base()).await.unwrap_err();
        assert!(
            matches!(err, PlanError::Invalid { field: "start", .. }),
            "{label}: {err}"
        );

        let err = plan_mission(&store, "planner", 999, &base()).await.unwrap_err();
        assert!(
            matches!(err, PlanError::Store(registry::StoreError::NotFound { .. })),
            "{label}: {err}"
        );
    });
}

#[test]
fn advice_ranks_the_living_relatives_who_have_not_given_a_sample() {
    on_every_backend(|label, store| async move {
        let case = seed(&store, None).await;
        let members = store.list_members(case.family).await.unwrap();
        let parent = |name: &str| members.iter().find(|m| m.data.display_name == name).unwrap().id;
        let brother = add_member(
            &store,
            case.family,
            json!({ "display_name": "Jiro", "sex": "male", "alive": true,
                                "father_member_id": parent("Ichiro"), "mother_member_id": parent("Hana") }),
        )
        .await;
        let options = simulate::AdviceOptions {
            runs: 50,
            ..simulate::AdviceOptions::default()
        };
        let advice = jobs::advice::family_advice(&store, "liaison", case.family, &settings().markers, options)
            .await
            .unwrap()
            .expect("the family has a missing member");
        assert_eq!((advice.missing_member_id, advice.markers), (case.son, 3), "{label}");
        // The father gave his sample and the mother is dead: the brother is the one left to ask.
        let asked: Vec<i64> = advice.candidates.iter().map(|c| c.member_id).collect();
        assert_eq!(asked, [brother.id], "{label}: {:?}", advice.candidates);
        assert_eq!(advice.candidates[0].name, "Jiro");
    });
}

/// A panel of 30 SNPs on two chromosomes, 3 cM apart (linked: the chain, not a product).
fn snp_panel_text() -> String {
    let mut text = String::from("marker\tchrom\tpos_bp\tcm\tref\talt\tfreq_alt\n");
    for i in 0..30 {
        let (chrom, k) = (1 + i / 15, i % 15);
        let freq = 0.15 + 0.05 * f64::from(i % 12);
        text.push_str(&format!(
            "rs{i}\t{chrom}\t{}\t{}\tA\tG\t{freq}\n",
            1000 + 50_000 * k,
            3 * k
        ));
    }
    text
}

/// ALT counts of the father, his son (one of the father's alleles at every SNP) and a stranger.
fn snp_calls() -> [Vec<u8>; 3] {
    let father: Vec<u8> = (0..30).map(|i| (i * 7 % 3) as u8).collect();
    let son: Vec<u8> = father
        .iter()
        .enumerate()
        .map(|(i, &f)| match f {
            0 => (i % 2) as u8,
            2 => 1 + (i % 2) as u8,
            _ => (i % 3) as u8,
        })
        .collect();
    let stranger = (0..30).map(|i| (i * 5 % 3) as u8).collect();
    [father, son, stranger]
}

fn snp_settings() -> Arc<MatchingSettings> {
    Arc::new(MatchingSettings {
        snp: Some(jobs::snp::SnpSettings {
            panel: "TEST".into(),
            population: None,
            genotype_error: 0.01,
            map: kinship::MapFunction::Haldane,
            sex_averaged_map: false,
        }),
        ..(*settings()).clone()
    })
}

/// The father's and the son's SNP LR computed here, straight from the chain on the duo against
/// the two unrelated, with nothing of the job's code.
fn duo_snp_log10_lrs() -> Vec<f64> {
    use kinship::{GenotypeLikelihoods, LinkedMarker, MemberSpec, Pedigree, Sex};
    let [father, son, _] = snp_calls();
    let duo = Pedigree::new(vec![
        MemberSpec::new("f", None, None, Sex::Male),
        MemberSpec::new("m", None, None, Sex::Female),
        MemberSpec::new("s", Some("f"), Some("m"), Sex::Male),
    ])
    .unwrap();
    let apart = Pedigree::new(vec![
        MemberSpec::new("f", None, None, Sex::Male),
        MemberSpec::new("s", None, None, Sex::Male),
    ])
    .unwrap();
    let call = |n: u8| Some(GenotypeLikelihoods::from_call(usize::from(n), 0.01).unwrap());
    (0..2)
        .map(|c| {
            let markers: Vec<LinkedMarker> = (0..15)
                .map(|k| {
                    let i = c * 15 + k;
                    LinkedMarker {
                        name: format!("rs{i}"),
                        freq_alt: 0.15 + 0.05 * f64::from(i as u32 % 12),
                        cm_female: 3.0 * k as f64,
                        cm_male: 3.0 * k as f64,
                    }
                })
                .collect();
            let rows = |with_mother: bool| -> Vec<Vec<Option<GenotypeLikelihoods>>> {
                (0..15)
                    .map(|k| {
                        let i = c * 15 + k;
                        if with_mother {
                            vec![call(father[i]), None, call(son[i])]
                        } else {
                            vec![call(father[i]), call(son[i])]
                        }
                    })
                    .collect()
            };
            let h1 = kinship::ln_likelihood_linked(&duo, &markers, &rows(true), kinship::MapFunction::Haldane).unwrap();
            let h2 =
                kinship::ln_likelihood_linked(&apart, &markers, &rows(false), kinship::MapFunction::Haldane).unwrap();
            (h1 - h2) / std::f64::consts::LN_10
        })
        .collect()
}

/// Stores the test panel and the SNP profiles of the father's reference and both samples.
async fn seed_snps(store: &Store, case: &Case) -> i64 {
    let text = snp_panel_text();
    let panel = store.store_snp_panel("lab", "TEST", &text, 30, "test").await.unwrap();
    let again = store.store_snp_panel("lab", "TEST", &text, 30, "test").await.unwrap();
    assert_eq!(again, panel, "the same panel again is the one kept");
    assert!(store
        .store_snp_panel("lab", "TEST", &text.replace("0.15", "0.16"), 30, "t")
        .await
        .is_err());
    let father_ref = store.references_by_external_id(&["R-1"]).await.unwrap()[0].id;
    let [father, son, stranger] = snp_calls();
    let profile = |target, calls: &[u8]| {
        let p = formats::SnpProfile::new(calls.iter().map(|&n| Some(formats::SnpCall::Genotype(n))).collect());
        registry::NewSnpProfile {
            target,
            evidence: "GT".into(),
            sequencing_error: None,
            typed_snps: 30,
            data: p.encode(),
        }
    };
    use registry::TypingTarget::{Reference, Sample};
    let profiles = [
        profile(Reference(father_ref), &father),
        profile(Sample(case.son_sample), &son),
        profile(Sample(case.stranger_sample), &stranger),
    ];
    let source = registry::SnpSource {
        sha256: "0".repeat(64),
        name: "test.vcf".into(),
    };
    let written = store
        .import_snp_profiles("lab", panel.id, &source, &profiles)
        .await
        .unwrap();
    assert_eq!((written.written, written.unchanged), (3, 0));
    let again = store
        .import_snp_profiles("lab", panel.id, &source, &profiles)
        .await
        .unwrap();
    assert_eq!(
        (again.written, again.unchanged),
        (0, 3),
        "the same profiles again change nothing"
    );
    let other = [profile(Sample(case.son_sample), &stranger)];
    let refused = store
        .import_snp_profiles("lab", panel.id, &source, &other)
        .await
        .unwrap_err();
    assert!(refused.1.to_string().contains("not overwritten"), "{}", refused.1);
    father_ref
}

#[test]
fn snp_profiles_multiply_the_str_lr_by_the_linked_chain_and_are_recomputed_from_the_registry() {
    on_every_backend(|label, store| async move {
        let case = seed(&store, None).await;
        let father_ref = seed_snps(&store, &case).await;
        let job = store.create_job("analyst", "matching").await.unwrap();
        run_matching_job(store.clone(), job.id, "analyst".into(), snp_settings()).await;
        let job = store.get_job(job.id).await.unwrap().unwrap();
        assert_eq!(job.status, JobStatus::Done, "{label}: {job:?}");
        let candidates = store.list_candidates(job.id).await.unwrap();
        let son = candidates
            .iter()
            .find(|c| c.data.sample_id == case.son_sample)
            .expect("the son is a candidate");
        let snp = son.data.snp_evidence.as_ref().expect("with SNP evidence");
        let expected = duo_snp_log10_lrs();
        let chromosomes: Vec<(&str, i64)> = snp.chromosomes.iter().map(|c| (c.chrom.as_str(), c.markers)).collect();
        assert_eq!(chromosomes, [("1", 15), ("2", 15)], "{label}");
        for (c, want) in snp.chromosomes.iter().zip(&expected) {
            assert!(
                (c.log10_lr - want).abs() < 1e-9,
                "{label}: chromosome {}: {} vs {want}",
                c.chrom,
                c.log10_lr
            );
        }
        assert!(
            expected.iter().sum::<f64>() > 1.0,
            "{label}: the SNPs support paternity: {expected:?}"
        );
        let str_part: f64 = son.data.evidence.iter().map(|e| e.log10_lr).sum();
        assert!(
            (son.data.log10_lr - str_part - expected.iter().sum::<f64>()).abs() < 1e-9,
            "{label}: the LR is the STR LR times the SNP LR"
        );
        assert!(son.data.reference_ids.contains(&father_ref), "{label}");
        assert!(
            candidates.iter().all(|c| c.data.sample_id != case.stranger_sample),
            "{label}: the stranger stays excluded at M1"
        );
        let model = store.job_model(job.id).await.unwrap().unwrap();
        let summary = jobs::provenance::model_summary(&model.json).unwrap();
        let recorded = summary.snp.expect("the SNP model is recorded");
        assert_eq!(
            (recorded.panel.as_str(), recorded.genotype_error),
            ("TEST", 0.01),
            "{label}"
        );

        let again = jobs::provenance::recompute_candidate(&store, "reviewer1", son.id)
            .await
            .unwrap();
        assert!(again.reproduced, "{label}: {again:?}");
        let audit = store.audit_entries(0, 10_000).await.unwrap();
        assert!(
            audit
                .iter()
                .any(|e| e.action == "read" && e.entity == "profiles" && e.actor == "reviewer1"),
            "{label}: the recomputation's read of genotypes is audited"
        );

        // Withdrawn consent erases the SNP profile: nothing to recompute from any more.
        let reference = store.get_reference(father_ref).await.unwrap().unwrap();
        store
            .withdraw_consent("liaison", father_ref, reference.version, "the donor asked")
            .await
            .unwrap();
        let left = store
            .snp_profile_infos(&[registry::TypingTarget::Reference(father_ref)])
            .await
            .unwrap();
        assert!(left.is_empty(), "{label}: the SNP profile is gone");
        let after = jobs::provenance::recompute_candidate(&store, "reviewer1", son.id)
            .await
            .unwrap();
        assert!(!after.reproduced, "{label}: {after:?}");
    });
}
