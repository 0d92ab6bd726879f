#!/usr/bin/env python3
"""Writes the kinship case of a Familias .fam file as ped files (one per pedigree) and a long-form
frequency file, reading the file by line position as pedFamilias's readFam() documents it.

Independent of the Rust reader on purpose: the CLI test compares `homeward lr --fam` with
`homeward lr --h1 --h2 --freqs` on these outputs. Handles files without extra persons and silent alleles.

usage: fam_to_ped.py CASE.fam OUTDIR
"""
import os
import sys

fam, outdir = sys.argv[1], sys.argv[2]
x = [l.rstrip("\r\n").replace('"', "") for l in open(fam)]
i = 4 if x[3] == "" else 3
nid = int(x[i]); i += 1
persons = []
for _ in range(nid):
    name, male, n = x[i], x[i + 4] == "#TRUE#", int(x[i + 5])
    geno = [tuple(int(v) for v in x[i + 6 + 3 * k: i + 9 + 3 * k]) for k in range(n)]
    persons.append((name, male, geno))
    i += 6 + 3 * n
assert x[i] == "Known relations" and x[i + 1] == "0" and x[i + 2] == "0" and x[i + 3] == "0"
npeds = int(x[i + 4]); i += 5
peds = []
for _ in range(npeds):
    name, nf, nm, nrel = x[i + 1], int(x[i + 2]), int(x[i + 3]), int(x[i + 4])
    assert nf == 0 and nm == 0
    rels = [(int(x[i + 5 + 2 * k]), int(x[i + 6 + 2 * k])) for k in range(nrel)]
    peds.append((name, rels))
    i += 5 + 2 * nrel
i += 1  # database header
nloc = int(x[i]); i += 1
has_name = x[i] == "#TRUE#"; i += 1 + has_name
loci = []
for _ in range(nloc):
    name = x[i]
    assert x[i + 10] == "#FALSE#"
    nall = int(x[i + 12].split("\t")[0])
    alleles = [(x[i + 13 + 2 * k], x[i + 14 + 2 * k]) for k in range(nall)]
    loci.append((name, alleles))
    i += 13 + 2 * nall

os.makedirs(outdir, exist_ok=True)
with open(os.path.join(outdir, "freqs.tsv"), "w") as f:
    f.write("marker\tallele\tfreq\n")
    for name, alleles in loci:
        for a, p in alleles:
            f.write(f"{name}\t{a}\t{p}\n")
for pname, rels in peds:
    father = {c: p for p, c in rels if persons[p][1]}
    mother = {c: p for p, c in rels if not persons[p][1]}
    with open(os.path.join(outdir, f"{pname}.ped"), "w") as f:
        f.write("\t".join(["id", "fid", "mid", "sex"] + [n for n, _ in loci]) + "\n")
        for k, (name, male, geno) in enumerate(persons):
            cells = ["-/-"] * nloc
            for a1, a2, m in geno:
                cells[m] = f"{loci[m][1][a1][0]}/{loci[m][1][a2][0]}"
            fid = persons[father[k]][0] if k in father else "0"
            mid = persons[mother[k]][0] if k in mother else "0"
            f.write("\t".join([name, fid, mid, "1" if male else "2"] + cells) + "\n")
