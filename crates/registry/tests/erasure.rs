//! Erasure that erases, on SQLite: after a consent withdrawal the withdrawn profile is nowhere in
//! the raw bytes of the database, its WAL or its shared-memory file, while a profile that stays is
//! (so the scan can see one); the files, and a backup, are readable by their owner only.

use registry::model::Sex;
use registry::{
    Consent, ConsentScope, Contacts, NewFamily, NewMember, NewReference, ReferenceProfile, SecretKey, Store, StrProfile,
};

fn reference(external_id: &str, donor: i64, genotypes: &[(&str, &str)], mtdna: &str) -> NewReference {
    NewReference {
        external_id: external_id.into(),
        donor_member_id: donor,
        kit: "GlobalFiler".into(),
        profile: ReferenceProfile {
            str_profile: StrProfile::new(genotypes.iter().copied()).unwrap(),
            y_haplotype: None,
            mtdna: Some(mtdna.into()),
        },
        consent: Consent {
            scope: ConsentScope::IdentificationOnly,
            date: "2025-11-03".parse().unwrap(),
        },
    }
}

/// Every file of the database: the file, its WAL and shared memory, as bytes (missing ones empty).
fn raw_bytes(db: &std::path::Path) -> Vec<(String, Vec<u8>)> {
    ["", "-wal", "-shm"]
        .iter()
        .map(|suffix| {
            let path = format!("{}{suffix}", db.display());
            let bytes = std::fs::read(&path).unwrap_or_default();
            (path, bytes)
        })
        .collect()
}

fn contains(haystack: &[u8], needle: &str) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle.as_bytes())
}

#[cfg(unix)]
fn mode(path: &std::path::Path) -> u32 {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(path).unwrap().permissions().mode() & 0o777
}

#[test]
fn a_withdrawn_profile_leaves_no_bytes_behind_and_the_files_are_the_owners() {
    let dir = std::env::temp_dir().join(format!("homeward-erasure-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let db = dir.join("registry.db");
    let rt = tokio::runtime::Runtime::new().unwrap();
    rt.block_on(async {
        let store = Store::open(&format!("sqlite://{}", db.display()))
            .await
            .unwrap()
            .with_audit_key(SecretKey::from_bytes(&[0x42; 32]).unwrap())
            .await
            .unwrap();
        let family = store
            .create_family(
                "liaison",
                &NewFamily {
                    external_id: "F-1".into(),
                    name: "Yamada".into(),
                    liaison: None,
                    contacts: Contacts::default(),
                },
            )
            .await
            .unwrap();
        let donor = |name: &str| NewMember {
            display_name: name.into(),
            sex: Sex::Female,
            person_id: None,
            alive: true,
            father_member_id: None,
            mother_member_id: None,
            is_missing: false,
        };
        let hanako = store.add_member("liaison", family.id, &donor("Hanako")).await.unwrap();
        let yoko = store.add_member("liaison", family.id, &donor("Yoko")).await.unwrap();
        // Allele sets no other record holds, so that a match in the bytes is this profile.
        let gone = reference(
            "REF-GONE",
            hanako.id,
            &[("D21S11", "28.3/35.3"), ("FGA", "17.2/30.2")],
            "16129A 16311C 73G",
        );
        let kept = reference(
            "REF-KEPT",
            yoko.id,
            &[("D21S11", "29.3/36.3"), ("FGA", "18.2/31.2")],
            "16189C 16356C 263G",
        );
        let gone_id = store.create_reference("lab", &gone).await.unwrap().id;
        let kept_id = store.create_reference("lab", &kept).await.unwrap().id;
        // SNP profiles too: bytes no other record holds (the registry stores them unread).
        let panel = store
            .store_snp_panel(
                "lab",
                "TEST",
                "marker\tchrom\tpos_bp\tcm\tref\talt\tfreq_alt\n",
                64,
                "test",
            )
            .await
            .unwrap();
        let snp = |target, seed: u8| registry::NewSnpProfile {
            target,
            evidence: "GT".into(),
            sequencing_error: None,
            typed_snps: 64,
            data: std::iter::once(1)
                .chain((0..16u8).map(|i| i.wrapping_mul(37).wrapping_add(seed)))
                .collect(),
        };
        let (snp_gone, snp_kept) = (
            snp(registry::TypingTarget::Reference(gone_id), 101),
            snp(registry::TypingTarget::Reference(kept_id), 202),
        );
        let source = registry::SnpSource {
            sha256: "0".repeat(64),
            name: "snps.vcf".into(),
        };
        store
            .import_snp_profiles("lab", panel.id, &source, &[snp_gone.clone(), snp_kept.clone()])
            .await
            .unwrap();
        // Some traffic after the insert, as a running registry has.
        for i in 0..20 {
            store
                .add_member("liaison", family.id, &donor(&format!("M{i}")))
                .await
                .unwrap();
        }
        // The profile's plain SHA-256 too: with it, anyone holding a copy of the genotypes could
        // confirm they were here. The registry keeps only a digest under its key.
        let gone_text = [
            serde_json::to_string(&gone.profile.str_profile).unwrap(),
            "28.3/35.3".to_owned(),
            "16129A 16311C 73G".to_owned(),
            gone.profile.sha256_hex(),
        ];
        let kept_text = serde_json::to_string(&kept.profile.str_profile).unwrap();
        let before: Vec<u8> = raw_bytes(&db).into_iter().flat_map(|(_, b)| b).collect();
        let has = |haystack: &[u8], bytes: &[u8]| haystack.windows(bytes.len()).any(|w| w == bytes);
        assert!(has(&before, &snp_gone.data), "the scan sees the SNP profile before");
        assert!(
            gone_text[..3].iter().all(|t| contains(&before, t)),
            "the scan sees the profile before"
        );

        let version = store.get_reference(gone_id).await.unwrap().unwrap().version;
        store
            .withdraw_consent("liaison", gone_id, version, "the donor withdrew her consent")
            .await
            .unwrap();
        let tombstone = store.get_reference(gone_id).await.unwrap().unwrap().withdrawal.unwrap();
        assert!(tombstone.profile_sha256.starts_with("hmac-sha256:"), "{tombstone:?}");
        let files = raw_bytes(&db);
        for (path, bytes) in &files {
            for text in &gone_text {
                assert!(!contains(bytes, text), "{path} still holds '{text}'");
            }
        }
        for (path, bytes) in &files {
            assert!(
                !has(bytes, &snp_gone.data),
                "{path} still holds the withdrawn SNP profile"
            );
        }
        let all: Vec<u8> = files.iter().flat_map(|(_, b)| b.clone()).collect();
        assert!(contains(&all, &kept_text), "the profile that stays is still there");
        assert!(has(&all, &snp_kept.data), "the SNP profile that stays is still there");

        #[cfg(unix)]
        {
            for (path, bytes) in &files {
                let path = std::path::Path::new(path);
                if path.exists() {
                    assert_eq!(mode(path), 0o600, "{}: {} bytes", path.display(), bytes.len());
                }
            }
            let backup = dir.join("backup.db");
            store.backup_to(&backup).await.unwrap();
            assert_eq!(mode(&backup), 0o600, "a backup holds genotypes");
            let backed_up = std::fs::read(&backup).unwrap();
            assert!(gone_text.iter().all(|t| !contains(&backed_up, t)));
        }
        store.close().await;
    });
    std::fs::remove_dir_all(&dir).unwrap();
}
