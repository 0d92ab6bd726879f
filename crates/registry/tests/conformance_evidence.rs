//! Identifications built from stored evidence, the same on both backends: a proposal names a
//! candidate and the registry supplies the rest; every fabricated citation is refused naming the
//! field, and nothing is written; a notification goes only to the identified person's family; a
//! changed sample profile flags the identifications resting on it.

use registry::model::{Name, NameKind, NewPerson, NewSite, PartialDate, Sex, SiteStatus};
use registry::testing::{execute_sql, on_every_backend};
use registry::{
    one_in_n_posterior, sha256_hex, Channel, Consent, ConsentScope, Contacts, Decision, IdentificationStatus,
    MarkerEvidence, NewCandidate, NewFamily, NewMember, NewNotification, NewReference, NewRemains, NewSample,
    ProfileKind, ReferenceProfile, Role, SampleProfile, Store, StoreError, StrProfile,
};

/// The ids of a small case: family A (a mother with a reference, her missing son who is person
/// `person`), family B (a father with a reference), one sample of remains from a site.
struct Case {
    person: i64,
    family_a: i64,
    family_b: i64,
    mother: i64,
    son: i64,
    reference_a: i64,
    reference_b: i64,
    sample: i64,
}

fn str_profile(genotypes: &[(&str, &str)]) -> StrProfile {
    StrProfile::new(genotypes.iter().copied()).unwrap()
}

fn family(external_id: &str) -> NewFamily {
    NewFamily {
        external_id: external_id.into(),
        name: "Yamada".into(),
        liaison: None,
        contacts: Contacts::default(),
    }
}

fn member(name: &str, sex: Sex) -> NewMember {
    NewMember {
        display_name: name.into(),
        sex,
        person_id: None,
        alive: true,
        father_member_id: None,
        mother_member_id: None,
        is_missing: false,
    }
}

fn reference(external_id: &str, donor: i64) -> NewReference {
    NewReference {
        external_id: external_id.into(),
        donor_member_id: donor,
        kit: "GlobalFiler".into(),
        profile: ReferenceProfile {
            str_profile: str_profile(&[("D3S1358", "14/15"), ("vWA", "16/19")]),
            y_haplotype: None,
            mtdna: None,
        },
        consent: Consent {
            scope: ConsentScope::IdentificationOnly,
            date: "2025-11-03".parse().unwrap(),
        },
    }
}

async fn case(store: &Store) -> Case {
    let person = store
        .create_person(
            "clerk",
            &NewPerson {
                external_id: "JP-500".into(),
                names: vec![Name::new("山田太郎", "Jpan", Some("ja"), NameKind::Primary).unwrap()],
                sex: Sex::Male,
                birth: Some("1921".parse::<PartialDate>().unwrap()),
                death: None,
                death_place: None,
                sources: vec![],
            },
        )
        .await
        .unwrap();
    let a = store.create_family("liaison", &family("F-A")).await.unwrap();
    let b = store.create_family("liaison", &family("F-B")).await.unwrap();
    let mother = store
        .add_member("liaison", a.id, &member("Hanako", Sex::Female))
        .await
        .unwrap();
    let son = NewMember {
        person_id: Some(person.id),
        is_missing: true,
        mother_member_id: Some(mother.id),
        ..member("Taro", Sex::Male)
    };
    let son = store.add_member("liaison", a.id, &son).await.unwrap();
    let father_b = store
        .add_member("liaison", b.id, &member("Ichiro", Sex::Male))
        .await
        .unwrap();
    let reference_a = store
        .create_reference("lab", &reference("REF-A", mother.id))
        .await
        .unwrap();
    let reference_b = store
        .create_reference("lab", &reference("REF-B", father_b.id))
        .await
        .unwrap();
    let site = store
        .create_site(
            "planner",
            &NewSite {
                external_id: "S-50".into(),
                names: vec![Name::new("Komusan", "Latn", None, NameKind::Primary).unwrap()],
                coordinates: None,
                status: SiteStatus::Known,
                estimated_count: None,
                notes: None,
            },
        )
        .await
        .unwrap();
    let remains = store
        .create_remains(
            "field",
            &NewRemains {
                external_id: "R-50".into(),
                site_id: site.id,
                mission_id: None,
                recovery_date: None,
                skeletal_element: "left femur".into(),
            },
        )
        .await
        .unwrap();
    let sample = store
        .create_sample(
            "lab",
            &NewSample {
                external_id: "SMP-50".into(),
                remains_id: remains.id,
                lab: "Lab".into(),
                profile_kind: ProfileKind::Str,
                profile: Some(SampleProfile::Str(str_profile(&[
                    ("D3S1358", "14/16"),
                    ("vWA", "16/17"),
                ]))),
            },
        )
        .await
        .unwrap();
    Case {
        person: person.id,
        family_a: a.id,
        family_b: b.id,
        mother: mother.id,
        son: son.id,
        reference_a: reference_a.id,
        reference_b: reference_b.id,
        sample: sample.id,
    }
}

fn candidate(c: &Case, member_id: i64, log10_lr: f64, reference_ids: Vec<i64>) -> NewCandidate {
    NewCandidate {
        sample_id: c.sample,
        family_id: c.family_a,
        member_id,
        log10_lr,
        exclusions: 0,
        evidence: vec![MarkerEvidence {
            marker: "D3S1358".into(),
            log10_lr,
        }],
        joint_posterior: None,
        joint_bound: None,
        reference_ids,
        snp_evidence: None,
    }
}

const MODEL: &str = r#"{"engine":"test","markers":[]}"#;

/// A finished job (with a recorded model unless `model` is false) holding `candidates`; their ids
/// in order.
async fn finished_job(store: &Store, candidates: &[NewCandidate], model: bool) -> Vec<i64> {
    let job = store.create_job("lab", "matching").await.unwrap();
    if model {
        store.record_job_model(job.id, MODEL).await.unwrap();
    }
    // Every sample screened against 40 missing persons: the N of the prior (the site has no estimate).
    store.start_job(job.id, 1, 40).await.unwrap();
    store.finish_job("lab", job.id, candidates).await.unwrap();
    let stored = store.list_candidates(job.id).await.unwrap();
    candidates
        .iter()
        .map(|n| stored.iter().find(|s| s.data == *n).unwrap().id)
        .collect()
}

fn unfounded_field(e: &StoreError) -> Option<&str> {
    match e {
        StoreError::Unfounded(f) => Some(f.field.as_str()),
        _ => None,
    }
}

#[test]
fn a_proposal_takes_every_figure_from_the_stored_candidate() {
    on_every_backend(|label, store| async move {
        let c = case(&store).await;
        let ids = finished_job(
            &store,
            &[
                candidate(&c, c.son, 5.0, vec![c.reference_a]),
                // A rival sample's pairing for the same person enters the posterior.
                NewCandidate {
                    log10_lr: 1.0,
                    ..candidate(&c, c.son, 1.0, vec![c.reference_a])
                },
            ],
            true,
        )
        .await;
        let identification = store.propose_from_candidate("lab", ids[0]).await.unwrap();
        assert_eq!(identification.person_id, c.person, "{label}");
        assert_eq!(identification.reference_ids, vec![c.reference_a]);
        assert_eq!(identification.status, IdentificationStatus::Proposed);
        let evidence = store.identification_evidence(identification.id).await.unwrap().unwrap();
        assert_eq!(evidence.candidate_id, Some(ids[0]));
        assert_eq!(evidence.log10_lr, Some(5.0));
        assert_eq!(evidence.lr, 1e5);
        let posterior = one_in_n_posterior(5.0, 40);
        assert_eq!(evidence.posterior, posterior, "{label}: the registry's one posterior");
        let (again, prior) = store.candidate_posterior_with_prior(ids[0]).await.unwrap();
        assert_eq!((again, prior.n), (posterior, 40));
        assert!((posterior - 1e5 / (1e5 + 39.0)).abs() < 1e-15);
        assert_eq!(evidence.prior.as_deref(), Some(prior.words.as_str()));
        assert!(
            prior.words.contains("N = 40") && prior.words.contains("screened"),
            "{}",
            prior.words
        );
        assert_eq!(evidence.model_sha256.as_deref(), Some(sha256_hex(MODEL).as_str()));
        let cited = &evidence.references;
        assert_eq!(cited.len(), 1);
        assert_eq!(cited[0].id, c.reference_a);
        let stored_profile = serde_json::to_string(&reference("x", 0).profile.str_profile).unwrap();
        assert_eq!(cited[0].profile_sha256, sha256_hex(&stored_profile));
        assert_eq!(
            store.identification_candidate(identification.id).await.unwrap(),
            Some(ids[0])
        );

        // The same person for the same sample again: refused while the first is open.
        let e = store.propose_from_candidate("lab", ids[1]).await.unwrap_err();
        assert!(matches!(e, StoreError::NotAllowed(_)), "{label}: {e}");
        assert_eq!(store.list_identifications().await.unwrap().len(), 1);
        assert!(store.verify_audit().await.unwrap().first_broken.is_none());
    });
}

#[test]
fn fabricated_citations_are_refused_naming_the_field_and_nothing_is_written() {
    on_every_backend(|label, store| async move {
        let c = case(&store).await;
        let good = finished_job(&store, &[candidate(&c, c.son, 5.0, vec![c.reference_a])], true).await[0];
        let foreign = finished_job(&store, &[candidate(&c, c.son, 5.0, vec![c.reference_b])], true).await[0];
        let not_missing = finished_job(&store, &[candidate(&c, c.mother, 5.0, vec![c.reference_a])], true).await[0];
        let no_model = finished_job(&store, &[candidate(&c, c.son, 5.0, vec![c.reference_a])], false).await[0];
        let no_references = finished_job(&store, &[candidate(&c, c.son, 5.0, vec![])], true).await[0];
        let running = finished_job(&store, &[candidate(&c, c.son, 5.0, vec![c.reference_a])], true).await[0];
        let running_job = store.get_candidate(running).await.unwrap().unwrap().job_id;
        execute_sql(
            &store,
            &format!("UPDATE jobs SET status = 'running' WHERE id = {running_job}"),
        )
        .await
        .unwrap();
        for (what, id, field) in [
            ("no such candidate", 99_999, "candidate_id"),
            ("a reference of another family", foreign, "reference_ids"),
            ("a member who is not missing", not_missing, "candidate_id"),
            ("a job without a recorded model", no_model, "candidate_id"),
            ("a candidate citing no reference", no_references, "candidate_id"),
            ("a job not finished", running, "candidate_id"),
        ] {
            let e = store.propose_from_candidate("lab", id).await.unwrap_err();
            assert_eq!(unfounded_field(&e), Some(field), "{label}: {what}: {e}");
        }
        let reference = store.get_reference(c.reference_a).await.unwrap().unwrap();
        store
            .withdraw_consent("liaison", c.reference_a, reference.version, "the donor withdrew")
            .await
            .unwrap();
        let e = store.propose_from_candidate("lab", good).await.unwrap_err();
        assert_eq!(unfounded_field(&e), Some("reference_ids"), "{label}: withdrawn: {e}");
        assert!(e.to_string().contains("withdrawn"), "{e}");
        assert!(
            store.list_identifications().await.unwrap().is_empty(),
            "{label}: nothing written"
        );
        assert_eq!(
            execute_sql(&store, "UPDATE identifications SET status = status")
                .await
                .unwrap(),
            0
        );
    });
}

#[test]
fn only_the_identified_persons_family_is_told_and_a_changed_profile_flags() {
    on_every_backend(|label, store| async move {
        let c = case(&store).await;
        let ids = finished_job(&store, &[candidate(&c, c.son, 6.0, vec![c.reference_a])], true).await;
        let identification = store.propose_from_candidate("lab", ids[0]).await.unwrap();
        for name in ["rev.a", "rev.b"] {
            let reviewer = store
                .add_user("admin", name, Role::Reviewer, "a long enough password")
                .await
                .unwrap();
            store
                .review_identification(&reviewer, identification.id, Decision::Confirm, "agreed")
                .await
                .unwrap();
        }
        let notice = |family_id| NewNotification {
            family_id,
            identification_id: identification.id,
            channel: Channel::Visit,
            note: None,
        };
        let e = store
            .record_notification("liaison", &notice(c.family_b))
            .await
            .unwrap_err();
        assert_eq!(unfounded_field(&e), Some("family_id"), "{label}: {e}");
        assert!(store.list_notifications(c.family_b).await.unwrap().is_empty());
        store.record_notification("liaison", &notice(c.family_a)).await.unwrap();

        // The sample is re-typed: the LR no longer describes it.
        let sample = store.get_sample(c.sample).await.unwrap().unwrap();
        let retyped = SampleProfile::Str(str_profile(&[("D3S1358", "15/16"), ("vWA", "16/17")]));
        store
            .set_sample_profile("lab", c.sample, sample.version, &retyped)
            .await
            .unwrap();
        let flagged = store.get_identification(identification.id).await.unwrap().unwrap();
        assert_eq!(flagged.status, IdentificationStatus::Flagged, "{label}");
        let reason = flagged.flag_reason.unwrap_or_default();
        assert!(reason.contains(&format!("sample {}", c.sample)), "{label}: {reason}");
        assert!(store.verify_audit().await.unwrap().first_broken.is_none());
    });
}

#[test]
fn documentary_identifications_are_their_own_kind_with_documents_and_no_lr() {
    use registry::{DocumentaryGrounds, GroundsKind};
    on_every_backend(|label, store| async move {
        let c = case(&store).await;
        let remains_id = store.get_sample(c.sample).await.unwrap().unwrap().remains_id;
        let grounds = DocumentaryGrounds {
            kind: GroundsKind::PersonalEffects,
            remains_id,
            documents: vec!["Seal engraved 山田 found with the remains (photo 2026-05-20-14)".into()],
            summary: "The seal names the family; the burial register puts Taro at this grave.".into(),
        };
        for (person, remains, field) in [(99_999, remains_id, "person_id"), (c.person, 99_999, "remains_id")] {
            let g = DocumentaryGrounds {
                remains_id: remains,
                ..grounds.clone()
            };
            let e = store
                .propose_documentary_identification("lab", person, &g)
                .await
                .unwrap_err();
            assert_eq!(unfounded_field(&e), Some(field), "{label}: {e}");
        }
        let no_documents = DocumentaryGrounds {
            documents: vec![],
            ..grounds.clone()
        };
        let e = store
            .propose_documentary_identification("lab", c.person, &no_documents)
            .await
            .unwrap_err();
        assert!(
            matches!(&e, StoreError::Invalid(f) if f.field == "documents"),
            "{label}: {e}"
        );
        let proposed = store
            .propose_documentary_identification("lab", c.person, &grounds)
            .await
            .unwrap();
        assert_eq!(proposed.reference_ids, Vec::<i64>::new());
        assert_eq!(
            store.identification_grounds(proposed.id).await.unwrap(),
            Some(grounds.clone())
        );
        assert_eq!(store.identification_evidence(proposed.id).await.unwrap(), None, "no LR");
        assert_eq!(store.identification_candidate(proposed.id).await.unwrap(), None);
        let e = store
            .propose_documentary_identification("lab", c.person, &grounds)
            .await
            .unwrap_err();
        assert!(matches!(e, StoreError::NotAllowed(_)), "{label}: twice: {e}");
        // Two reviewers decide it as they decide a DNA identification.
        for name in ["rev.a", "rev.b"] {
            let reviewer = store
                .add_user("admin", name, Role::Reviewer, "a long enough password")
                .await
                .unwrap();
            store
                .review_identification(&reviewer, proposed.id, Decision::Confirm, "the seal and register agree")
                .await
                .unwrap();
        }
        let decided = store.get_identification(proposed.id).await.unwrap().unwrap();
        assert_eq!(decided.status, IdentificationStatus::Confirmed, "{label}");
        assert!(store.verify_audit().await.unwrap().first_broken.is_none());
    });
}

fn queue_page() -> registry::Page {
    registry::Page { limit: 50, offset: 0 }
}

/// The work queues: a reviewer's awaits their decision only (never their own proposal, gone once
/// they decided), filters narrow it; the analyst's candidates leave once proposed and come back
/// from a new job after a rejection, which they show; a confirmed identification waits for its
/// family's notification; samples by typing; a visit request until a mission goes to its site;
/// missions until planned.
#[test]
fn work_queues_follow_the_workflow() {
    use registry::{ListFilter, MissionKind, Mobility, NewMission, NewVisitRequest, Sort};
    on_every_backend(|label, store| async move {
        let c = case(&store).await;
        let site = store.list_sites().await.unwrap()[0].id;
        let reviewer = |name: &'static str| {
            let store = store.clone();
            async move {
                store
                    .add_user("admin", name, Role::Reviewer, "a long enough password")
                    .await
                    .unwrap()
            }
        };
        let (r1, r2) = (reviewer("rev.one").await, reviewer("rev.two").await);
        let first = finished_job(
            &store,
            &[
                candidate(&c, c.son, 5.0, vec![c.reference_a]),
                NewCandidate {
                    log10_lr: 3.0,
                    ..candidate(&c, c.son, 3.0, vec![c.reference_a])
                },
            ],
            true,
        )
        .await;
        let all = ListFilter::default();
        let to_propose = store.candidates_to_propose(&all, queue_page()).await.unwrap();
        let listed: Vec<i64> = to_propose.items.iter().map(|r| r.candidate_id).collect();
        assert_eq!(
            (listed, to_propose.total),
            (vec![first[0]], 1),
            "{label}: above 10^4 only"
        );
        let low = ListFilter {
            min_log10_lr: Some(2.0),
            ..ListFilter::default()
        };
        assert_eq!(
            store.candidates_to_propose(&low, queue_page()).await.unwrap().total,
            2,
            "{label}"
        );

        let proposed = store.propose_from_candidate("rev.one", first[0]).await.unwrap();
        assert_eq!(
            store.candidates_to_propose(&all, queue_page()).await.unwrap().total,
            0,
            "{label}: proposed"
        );
        // rev.one proposed it (as a test can make a reviewer do): not in their own queue.
        assert_eq!(
            store.review_queue("rev.one", &all, queue_page()).await.unwrap().total,
            0,
            "{label}"
        );
        let queue = store.review_queue("rev.two", &all, queue_page()).await.unwrap();
        let row = &queue.items[0];
        assert_eq!(
            (queue.total, row.id, row.person_id),
            (1, proposed.id, c.person),
            "{label}"
        );
        assert_eq!(
            (row.sample_id, row.site_id, row.log10_lr),
            (Some(c.sample), Some(site), Some(5.0)),
            "{label}"
        );
        assert_eq!(row.proposed_by.as_deref(), Some("rev.one"), "{label}");
        for (filter, n) in [
            (
                ListFilter {
                    site: Some(site),
                    ..ListFilter::default()
                },
                1,
            ),
            (
                ListFilter {
                    site: Some(site + 1000),
                    ..ListFilter::default()
                },
                0,
            ),
            (
                ListFilter {
                    job: Some(row.job_id.unwrap()),
                    ..ListFilter::default()
                },
                1,
            ),
            (
                ListFilter {
                    min_log10_lr: Some(5.5),
                    ..ListFilter::default()
                },
                0,
            ),
            (
                ListFilter {
                    max_log10_lr: Some(5.5),
                    sort: Some(Sort::LrAsc),
                    ..ListFilter::default()
                },
                1,
            ),
        ] {
            assert_eq!(
                store
                    .review_queue("rev.two", &filter, queue_page())
                    .await
                    .unwrap()
                    .total,
                n,
                "{label}: {filter:?}"
            );
        }
        store
            .review_identification(&r2, proposed.id, Decision::Reject, "a marker disagrees")
            .await
            .unwrap();
        assert_eq!(
            store.review_queue("rev.two", &all, queue_page()).await.unwrap().total,
            0,
            "{label}: decided"
        );
        let rejected = ListFilter {
            status: Some(IdentificationStatus::Rejected),
            ..ListFilter::default()
        };
        assert_eq!(
            store.identifications_page(&rejected, queue_page()).await.unwrap().total,
            1,
            "{label}"
        );
        assert_eq!(
            store.identifications_of_pairing(c.person, c.sample).await.unwrap(),
            (None, Some(proposed.id))
        );

        // A new job finds the same pairing: proposable again, showing the rejection.
        let second = finished_job(&store, &[candidate(&c, c.son, 5.5, vec![c.reference_a])], true).await;
        let again = store.candidates_to_propose(&all, queue_page()).await.unwrap();
        assert_eq!(again.items.len(), 1, "{label}");
        assert_eq!(
            (again.items[0].candidate_id, again.items[0].rejected_identification),
            (second[0], Some(proposed.id))
        );
        let reproposed = store.propose_from_candidate("lab", second[0]).await.unwrap();
        assert_eq!(
            store.identifications_of_pairing(c.person, c.sample).await.unwrap(),
            (Some(reproposed.id), Some(proposed.id)),
            "{label}: the open one, from whichever job"
        );
        for r in [&r1, &r2] {
            assert_eq!(
                store.review_queue(&r.username, &all, queue_page()).await.unwrap().total,
                1,
                "{label}"
            );
            store
                .review_identification(r, reproposed.id, Decision::Confirm, "agreed")
                .await
                .unwrap();
        }
        let changed = store.recent_status_changes_named(1).await.unwrap();
        assert_eq!(
            (changed[0].person_id, changed[0].to),
            (c.person, registry::model::PersonStatus::Identified)
        );
        assert_eq!(
            changed[0].person_names[0].text, "山田太郎",
            "{label}: with the names, in one query"
        );
        let due = store.notifications_due(&all, queue_page()).await.unwrap();
        let due: Vec<(i64, i64)> = due.items.iter().map(|d| (d.identification_id, d.family_id)).collect();
        assert_eq!(
            due,
            [(reproposed.id, c.family_a)],
            "{label}: the family with the person"
        );
        let notice = NewNotification {
            family_id: c.family_a,
            identification_id: reproposed.id,
            channel: Channel::Visit,
            note: None,
        };
        store.record_notification("liaison", &notice).await.unwrap();
        assert_eq!(
            store.notifications_due(&all, queue_page()).await.unwrap().total,
            0,
            "{label}"
        );

        let awaiting = ListFilter {
            typed: Some(false),
            ..ListFilter::default()
        };
        let typed = ListFilter {
            typed: Some(true),
            site: Some(site),
            ..ListFilter::default()
        };
        assert_eq!(
            store.samples_page(&awaiting, queue_page()).await.unwrap().total,
            0,
            "{label}"
        );
        assert_eq!(
            store.samples_page(&typed, queue_page()).await.unwrap().items[0].id,
            c.sample
        );

        let visit = NewVisitRequest {
            family_id: c.family_a,
            site_id: site,
            visitors: 2,
            mobility: Mobility::Limited,
            notes: None,
        };
        let visit = store.create_visit_request("liaison", &visit).await.unwrap();
        let arrange = store.visits_to_arrange(&all, queue_page()).await.unwrap();
        assert_eq!(
            (arrange.total, arrange.items[0].visit_request_id),
            (1, visit.id),
            "{label}"
        );
        let mission = NewMission {
            kind: MissionKind::GraveVisit,
            name: "Spring visit".into(),
            start: "2026-05".parse().unwrap(),
            end: None,
            site_ids: vec![site],
            participants: vec![],
            permits: None,
        };
        let mission = store.create_mission("planner", &mission).await.unwrap();
        assert_eq!(
            store.visits_to_arrange(&all, queue_page()).await.unwrap().total,
            0,
            "{label}: a mission goes"
        );
        let plan = store.missions_to_plan(&all, queue_page()).await.unwrap();
        assert_eq!(
            (plan.total, plan.items[0].mission_id, plan.items[0].sites),
            (1, mission.id, 1),
            "{label}"
        );
    });
}

#[test]
fn nobody_reviews_their_own_proposal() {
    on_every_backend(|label, store| async move {
        let c = case(&store).await;
        let ids = finished_job(&store, &[candidate(&c, c.son, 6.0, vec![c.reference_a])], true).await;
        let reviewer = store
            .add_user("admin", "rev.self", Role::Reviewer, "a long enough password")
            .await
            .unwrap();
        let proposed = store.propose_from_candidate("rev.self", ids[0]).await.unwrap();
        let e = store
            .review_identification(&reviewer, proposed.id, Decision::Confirm, "mine")
            .await
            .unwrap_err();
        assert!(matches!(e, StoreError::NotAllowed(_)), "{label}: {e}");
        assert!(
            store.identification_reviews(proposed.id).await.unwrap().is_empty(),
            "{label}"
        );
    });
}
