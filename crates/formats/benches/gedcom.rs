//! Reading a large family tree: `read_gedcom` and `pedigree` (and `write_gedcom`) on a generated
//! GEDCOM 7 file: 10 founding couples and 9 generations, 25,570 individuals in 5,110 families, with
//! names in two scripts, dated births with places and coordinates, and an adopted child in every
//! family.

use formats::gedcom::{read_gedcom, write_gedcom};

fn main() {
    divan::main();
}

/// Each couple has a son and a daughter by birth, each married to someone from outside the tree,
/// and an adopted child.
fn tree() -> String {
    let mut out = String::from("0 HEAD\n1 GEDC\n2 VERS 7.0\n");
    let mut fams = String::new();
    let (mut person, mut family) = (0usize, 0usize);
    let mut indi = |out: &mut String, sex: char, famc: Option<(usize, &str)>| -> usize {
        person += 1;
        out.push_str(&format!(
            "0 @I{person}@ INDI\n1 NAME /山田/ 太郎{person}\n2 TRAN /Yamada/ Taro{person}\n3 LANG ja-Latn\n1 SEX {sex}\n\
             1 BIRT\n2 DATE ABT {}\n2 PLAC Sendai, Miyagi, Japan\n3 MAP\n4 LATI N38.26\n4 LONG E140.87\n",
            1700 + person % 300
        ));
        if let Some((f, pedi)) = famc {
            out.push_str(&format!("1 FAMC @F{f}@\n2 PEDI {pedi}\n"));
        }
        person
    };
    // Founders, then 9 generations of couples (a descendant and a spouse from outside).
    let mut couples: Vec<(usize, usize)> = (0..10)
        .map(|_| (indi(&mut out, 'M', None), indi(&mut out, 'F', None)))
        .collect();
    for _generation in 0..9 {
        let mut next = Vec::new();
        for &(h, w) in &couples {
            family += 1;
            fams.push_str(&format!("0 @F{family}@ FAM\n1 HUSB @I{h}@\n1 WIFE @I{w}@\n"));
            let son = indi(&mut out, 'M', Some((family, "BIRTH")));
            let daughter = indi(&mut out, 'F', Some((family, "BIRTH")));
            let adopted = indi(&mut out, 'U', Some((family, "ADOPTED")));
            fams.push_str(&format!("1 CHIL @I{son}@\n1 CHIL @I{daughter}@\n1 CHIL @I{adopted}@\n"));
            next.push((son, indi(&mut out, 'F', None)));
            next.push((indi(&mut out, 'M', None), daughter));
        }
        couples = next;
    }
    out.push_str(&fams);
    out.push_str("0 TRLR\n");
    out
}

#[divan::bench(sample_count = 20)]
fn read_and_pedigree(bencher: divan::Bencher) {
    let text = tree();
    bencher.bench(|| {
        let file = read_gedcom(divan::black_box(&text)).unwrap();
        let pedigree = file.pedigree().unwrap();
        assert_eq!((file.individuals.len(), pedigree.others.len()), (25_570, 10_220));
        pedigree.parents.len()
    });
}

#[divan::bench(sample_count = 20)]
fn write(bencher: divan::Bencher) {
    let file = read_gedcom(&tree()).unwrap();
    bencher.bench(|| write_gedcom(divan::black_box(&file)).len());
}
