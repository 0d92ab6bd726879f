-- SNP panels and the SNP profiles typed on them (issue 15). A panel is kept whole, as the file
-- that was imported (its SHA-256 beside it), so every LR computed from its profiles can be
-- recomputed from the registry alone. A profile is one sample's or one reference's evidence at
-- every SNP of its panel, as the VCF file gave it (calls, PL, GL or read counts), in the compact
-- binary form of `formats::snp_profile`; the VCF file it came from is named by its SHA-256.
-- Withdrawing a reference's consent deletes its SNP profile (its digest stays in the audit log).
CREATE TABLE snp_panels (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    name TEXT NOT NULL UNIQUE,
    sha256 TEXT NOT NULL,
    snps INTEGER NOT NULL,
    content TEXT NOT NULL,
    source TEXT NOT NULL,
    created_by TEXT NOT NULL,
    created_at TEXT NOT NULL
);

CREATE TABLE snp_profiles (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    sample_id INTEGER UNIQUE REFERENCES samples (id),
    reference_id INTEGER UNIQUE REFERENCES reference_samples (id),
    panel_id INTEGER NOT NULL REFERENCES snp_panels (id),
    -- The kinds of evidence in it (GT, PL, GL, AD), comma-separated.
    evidence TEXT NOT NULL,
    -- The per-read error rate its read counts were imported with (AD only).
    sequencing_error REAL,
    typed_snps INTEGER NOT NULL,
    data BLOB NOT NULL,
    source_sha256 TEXT NOT NULL,
    source_name TEXT NOT NULL,
    created_by TEXT NOT NULL,
    created_at TEXT NOT NULL,
    version INTEGER NOT NULL,
    CHECK ((sample_id IS NULL) <> (reference_id IS NULL))
);
CREATE INDEX snp_profiles_panel ON snp_profiles (panel_id);

-- A candidate's SNP share of its LR: JSON {"panel", "chromosomes": [{"chrom", "markers", "log10_lr"}]}.
ALTER TABLE candidates ADD COLUMN snp_evidence TEXT;
