//! Finding persons by name on both backends: the issue's spellings of 山崎 信子 and 大野, ranks,
//! record ids, paging with the number found, keys kept in step on update and import, and keys
//! written for rows that were there before the keys (a store whose keys are stale rebuilds them).

use registry::model::{Name, NameKind, NewPerson, PartialDate, Sex};
use registry::testing::{execute_sql, on_every_backend};
use registry::{Page, Store};

fn person(external_id: &str, kanji: &str, kana: &str, romaji: &str) -> NewPerson {
    NewPerson {
        external_id: external_id.into(),
        names: vec![
            Name::new(kanji, "Jpan", Some("ja"), NameKind::Primary).unwrap(),
            Name::new(kana, "Hira", Some("ja"), NameKind::Transliteration).unwrap(),
            Name::new(romaji, "Latn", Some("ja-Latn"), NameKind::Transliteration).unwrap(),
        ],
        sex: Sex::Female,
        birth: Some("1921-04".parse::<PartialDate>().unwrap()),
        death: Some("1946-02".parse().unwrap()),
        death_place: None,
        sources: vec![],
    }
}

/// A person known by two romaji spellings (a primary name and a variant), nothing else.
fn romaji_person(external_id: &str, primary: &str, variant: &str) -> NewPerson {
    NewPerson {
        names: vec![
            Name::new(primary, "Latn", Some("ja-Latn"), NameKind::Primary).unwrap(),
            Name::new(variant, "Latn", Some("ja-Latn"), NameKind::Variant).unwrap(),
        ],
        ..person(external_id, "-", "-", "-")
    }
}

fn page() -> Page {
    Page { limit: 20, offset: 0 }
}

async fn found_ids(store: &Store, q: &str) -> Vec<i64> {
    let found = store.find_persons(q, page()).await.unwrap();
    assert_eq!(found.total, found.items.len() as i64, "{q}: one page holds them all");
    found.items.iter().map(|h| h.person.id).collect()
}

#[test]
fn the_issues_spellings_find_yamazaki_nobuko_and_ono() {
    on_every_backend(|label, store| async move {
        let nobuko = store
            .create_person("t", &person("P-1", "山崎 信子", "やまざき のぶこ", "Yamazaki Nobuko"))
            .await
            .unwrap();
        let ono = store
            .create_person("t", &person("P-2", "大野 太郎", "おおの たろう", "Ōno Tarō"))
            .await
            .unwrap();
        let yamada = store
            .create_person("t", &person("P-3", "山田 花子", "やまだ はなこ", "Yamada Hanako"))
            .await
            .unwrap();
        for q in [
            "山崎 信子",
            "山崎信子",
            "やまざきのぶこ",
            "ヤマザキ ノブコ",
            "nobuko yamazaki",
            "山﨑 信子",
            "YAMAZAKI",
            "信子",
        ] {
            assert_eq!(found_ids(&store, q).await, [nobuko.id], "{label}: {q}");
        }
        for q in ["Ōno", "Oono", "Ohno", "大野", "オオノ タロウ", "tarou oono"] {
            assert_eq!(found_ids(&store, q).await, [ono.id], "{label}: {q}");
        }
        assert_eq!(
            found_ids(&store, "山").await,
            [nobuko.id, yamada.id],
            "{label}: by id within a rank"
        );
        assert!(found_ids(&store, "佐藤").await.is_empty(), "{label}");
        assert!(found_ids(&store, "%").await.is_empty(), "{label}: % is no wildcard");
        assert!(
            found_ids(&store, "  ").await.is_empty(),
            "{label}: nothing asked, nothing found"
        );
        // The record's own ids.
        assert_eq!(found_ids(&store, "p-2").await, [ono.id], "{label}: external id");
        assert_eq!(
            found_ids(&store, &yamada.id.to_string()).await,
            [yamada.id],
            "{label}: id"
        );
        // The stored names keep their form.
        let read = store.get_person(nobuko.id).await.unwrap().unwrap();
        assert_eq!(read.data.names[0].text, "山崎 信子", "{label}");
    });
}

#[test]
fn the_whole_name_ranks_before_a_name_that_starts_with_it() {
    on_every_backend(|label, store| async move {
        let longer = store
            .create_person("t", &person("P-1", "大野田 一郎", "おおのだ いちろう", "Ōnoda Ichirō"))
            .await
            .unwrap();
        let ono = store
            .create_person("t", &person("P-2", "大野 一郎", "おおの いちろう", "Ōno Ichirō"))
            .await
            .unwrap();
        let found = store.find_persons("大野 一郎", page()).await.unwrap();
        let ranked: Vec<(i64, i64)> = found.items.iter().map(|h| (h.person.id, h.rank)).collect();
        assert_eq!(ranked, [(ono.id, 0)], "{label}");
        let found = store.find_persons("Ono", page()).await.unwrap();
        let ranked: Vec<(i64, i64)> = found.items.iter().map(|h| (h.person.id, h.rank)).collect();
        assert_eq!(
            ranked,
            [(ono.id, 1), (longer.id, 2)],
            "{label}: a whole family name first"
        );
    });
}

#[test]
fn search_pages_with_the_number_found() {
    on_every_backend(|label, store| async move {
        let batch: Vec<NewPerson> = (0..25)
            .map(|i| person(&format!("B-{i}"), "髙橋 一郎", "たかはし いちろう", "Takahashi Ichirō"))
            .collect();
        store.import_persons("t", &batch).await.unwrap();
        let first = store.find_persons("高橋", Page { limit: 10, offset: 0 }).await.unwrap();
        assert_eq!(
            (first.items.len(), first.total),
            (10, 25),
            "{label}: imported rows are keyed"
        );
        assert_eq!(first.next_offset(), Some(10), "{label}");
        let last = store
            .find_persons("高橋", Page { limit: 10, offset: 20 })
            .await
            .unwrap();
        assert_eq!(
            (last.items.len(), last.total, last.next_offset()),
            (5, 25, None),
            "{label}"
        );
        let past = store
            .find_persons("高橋", Page { limit: 10, offset: 40 })
            .await
            .unwrap();
        assert_eq!(
            (past.items.len(), past.total),
            (0, 25),
            "{label}: a page past the end still counts"
        );
        let mut seen: Vec<i64> = Vec::new();
        for offset in [0, 10, 20] {
            let p = store
                .find_persons("takahasi", Page { limit: 10, offset })
                .await
                .unwrap();
            seen.extend(p.items.iter().map(|h| h.person.id));
        }
        seen.dedup();
        assert_eq!(seen.len(), 25, "{label}: the pages neither repeat nor skip");
    });
}

#[test]
fn keys_follow_an_update() {
    on_every_backend(|label, store| async move {
        let p = store
            .create_person("t", &person("P-1", "山崎 信子", "やまざき のぶこ", "Yamazaki Nobuko"))
            .await
            .unwrap();
        let renamed = person("P-1", "渡邊 信子", "わたなべ のぶこ", "Watanabe Nobuko");
        store.update_person("t", p.id, p.version, &renamed).await.unwrap();
        assert!(
            found_ids(&store, "山崎").await.is_empty(),
            "{label}: the old name is gone"
        );
        assert_eq!(found_ids(&store, "渡辺").await, [p.id], "{label}: the new one is found");
        assert_eq!(found_ids(&store, "watanabe nobuko").await, [p.id], "{label}");
    });
}

#[test]
fn rows_written_before_the_keys_are_keyed_when_the_store_opens() {
    on_every_backend(|label, store| async move {
        let p = store
            .create_person("t", &person("P-1", "齋藤 信子", "さいとう のぶこ", "Saitō Nobuko"))
            .await
            .unwrap();
        // As migration 0016 leaves a registry that had persons: no keys, version 0.
        execute_sql(&store, "DELETE FROM person_name_keys").await.unwrap();
        execute_sql(&store, "UPDATE name_keys_state SET version = 0")
            .await
            .unwrap();
        assert!(found_ids(&store, "斎藤").await.is_empty(), "{label}");
        store.migrate().await.unwrap();
        assert_eq!(found_ids(&store, "斉藤").await, [p.id], "{label}");
        assert_eq!(found_ids(&store, "saito").await, [p.id], "{label}");
    });
}

#[test]
fn a_search_that_finds_too_many_to_count_says_so() {
    on_every_backend(|label, store| async move {
        let batch: Vec<NewPerson> = (0..(registry::FOUND_CAP + 5))
            .map(|i| person(&format!("C-{i}"), "田中 一郎", "たなか いちろう", "Tanaka Ichirō"))
            .collect();
        store.import_persons("t", &batch).await.unwrap();
        let found = store
            .find_persons("tanaka", Page { limit: 10, offset: 0 })
            .await
            .unwrap();
        assert_eq!(
            (found.items.len(), found.total, found.total_capped),
            (10, registry::FOUND_CAP, true),
            "{label}"
        );
        let exact = store
            .find_persons("tanaka", Page { limit: 10, offset: 0 })
            .await
            .unwrap();
        assert_eq!(exact.items, found.items, "{label}: the same page again");
        let few = store
            .find_persons(
                "田中",
                Page {
                    limit: 10,
                    offset: 1000,
                },
            )
            .await
            .unwrap();
        assert_eq!(few.items.len(), 5, "{label}: the last page of a list too long to count");
        // Persons with two keys each in the range: the first keys read are not of different
        // persons, so the count reads again, by first keys, and is exact below the cap.
        let twice: Vec<NewPerson> = (0..600)
            .map(|i| romaji_person(&format!("S-{i}"), "Suzuki Ichirō", "Suzuki Tarō"))
            .collect();
        store.import_persons("t", &twice).await.unwrap();
        let found = store
            .find_persons("suzuki", Page { limit: 10, offset: 0 })
            .await
            .unwrap();
        assert_eq!((found.total, found.total_capped), (600, false), "{label}");
        let past = store
            .find_persons("suzuki", Page { limit: 10, offset: 700 })
            .await
            .unwrap();
        assert_eq!(
            (past.items.len(), past.total, past.total_capped),
            (0, 600, false),
            "{label}"
        );
    });
}

/// The number found and the persons paged through, in order, equal a brute-force ranking of every
/// person's keys, on a registry where persons share prefixes and one person has several keys in a
/// query's range (its names in both orders, two spellings, keys of several ranks): the count reads
/// each person once, and the pages neither repeat nor skip nor reorder.
#[test]
fn the_number_found_is_every_person_once() {
    const FAMILY: [&str; 4] = ["Taka", "Takahashi", "Takada", "Tanaka"];
    const GIVEN: [&str; 3] = ["Ichirō", "Ichiro", "Taka"];
    on_every_backend(|label, store| async move {
        let mut persons = Vec::new();
        // A small linear congruential sequence: the same registry on every run.
        let mut state: u64 = 7;
        let mut next = |n: usize| {
            state = state
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            (state >> 33) as usize % n
        };
        for i in 0..60 {
            let romaji = format!("{} {}", FAMILY[next(4)], GIVEN[next(3)]);
            let other = format!("{} {}", GIVEN[next(3)], FAMILY[next(4)]);
            persons.push(romaji_person(&format!("X-{i}"), &romaji, &other));
        }
        store.import_persons("t", &persons).await.unwrap();
        let stored = store.search_persons(None, 1000, 0).await.unwrap();
        assert_eq!(stored.len(), 60, "{label}");
        let by_id = stored[17].id.to_string();
        for q in [
            "taka",
            "takahashi",
            "takada",
            "tanaka ichiro",
            "ichiro",
            "t",
            "x-1",
            "ta ka",
            &by_id,
        ] {
            let key = names::key(q);
            let id: i64 = q.parse().unwrap_or(-1);
            let head = key.chars().count();
            // Every person's best (rank, key): its keys (each with its shortest first part), as
            // the registry derives them, ranked as the search documents.
            let mut expected: Vec<(usize, String, i64)> = stored
                .iter()
                .filter_map(|p| {
                    let mut keys: std::collections::BTreeMap<String, usize> = Default::default();
                    let texts = p.data.names.iter().map(|n| n.text.as_str());
                    for k in texts.chain([p.data.external_id.as_str()]).flat_map(names::name_keys) {
                        let h = keys.entry(k.key).or_insert(k.head);
                        *h = (*h).min(k.head);
                    }
                    let ranked = keys.into_iter().filter(|(k, _)| k.starts_with(&key)).map(|(k, h)| {
                        let rank = if k == key {
                            0
                        } else if h == head {
                            1
                        } else {
                            2
                        };
                        (rank, k)
                    });
                    let by_id = (p.id == id).then(|| (0, key.clone()));
                    ranked.chain(by_id).min().map(|(rank, k)| (rank, k, p.id))
                })
                .collect();
            expected.sort();
            let expected: Vec<i64> = expected.into_iter().map(|(_, _, id)| id).collect();
            let mut seen = Vec::new();
            let mut offset = 0;
            loop {
                let found = store.find_persons(q, Page { limit: 7, offset }).await.unwrap();
                assert_eq!(found.total, expected.len() as i64, "{label}: {q} at {offset}");
                seen.extend(found.items.iter().map(|h| h.person.id));
                match found.next_offset() {
                    Some(o) => offset = o,
                    None => break,
                }
            }
            assert_eq!(seen, expected, "{label}: {q}: every person once, in rank order");
        }
    });
}
