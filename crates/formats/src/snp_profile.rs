//! SNP profiles: one sample's evidence at every SNP of a panel, as its VCF file gave it, and a
//! compact binary form of it for the registry.
//!
//! What is kept is the evidence *as written* (a genotype call, `PL`, `GL` or read counts), never
//! likelihoods derived from it: the model's parameters (the genotyping error of calls, the
//! sequencing error of reads) are applied when a likelihood is computed, by
//! [`SnpCall::likelihoods`], the one conversion `homeward lr` and the registry's matching jobs
//! share. So a stored profile gives exactly the LR the VCF file gives.
//!
//! The binary form ([`SnpProfile::encode`]) starts with one byte naming its layout:
//!
//! * `1`, genotype calls only: two bits per SNP in panel order (0 untyped, 1–3 = 0–2 ALT alleles),
//!   four SNPs a byte, low bits first: 983 bytes for the 3,930 FORCE SNPs;
//! * `2`, anything else: per SNP a tag byte and its values, little-endian: `0` untyped, `1` a call
//!   (one byte, the ALT count), `2` `PL` as three `u16` (whole numbers up to 65,535, as VCF writes
//!   them), `3` `PL` as three `f64` (any other), `4` `GL` as three `f64`, `5` read counts as two
//!   `u32` (REF, ALT).
//!
//! [`align_vcf`] reads a VCF file's records against a panel (every record's marker in the panel, on
//! its chromosome, with its alleles) into one profile per VCF sample.

use kinship::{GenotypeLikelihoods, LinkageError};

use crate::snp_panel::{normalise_chrom, SnpPanel};
use crate::vcf::{GtCall, SampleCall, VcfFile};

/// One sample's evidence at one SNP, as written.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum SnpCall {
    /// A genotype call: the number of ALT alleles.
    Genotype(u8),
    /// Phred-scaled likelihoods of REF/REF, REF/ALT, ALT/ALT (`PL`).
    Phred([f64; 3]),
    /// log10 likelihoods of the same (`GL`).
    Log10([f64; 3]),
    /// Read depths (`AD`).
    Reads { ref_reads: u32, alt_reads: u32 },
}

impl SnpCall {
    /// The evidence a VCF column gives: its read counts when `use_read_counts` and it has reads,
    /// else `PL`, else `GL`, else the genotype call; `None` when untyped.
    pub fn from_sample_call(call: &SampleCall, use_read_counts: bool) -> Option<SnpCall> {
        if let (true, Some([r, a])) = (use_read_counts, call.ad) {
            if r + a > 0 {
                return Some(SnpCall::Reads {
                    ref_reads: r,
                    alt_reads: a,
                });
            }
        }
        if let Some(pl) = call.pl {
            return Some(SnpCall::Phred(pl));
        }
        if let Some(gl) = call.gl {
            return Some(SnpCall::Log10(gl));
        }
        match call.gt {
            GtCall::Missing => None,
            // A VCF allele index above 1 is refused by the reader, so the count is 0–2.
            gt => gt.alt_count().map(|n| SnpCall::Genotype(n.min(2) as u8)),
        }
    }

    /// The kind of evidence, as VCF names it: `GT`, `PL`, `GL` or `AD`.
    pub fn kind(&self) -> &'static str {
        match self {
            SnpCall::Genotype(_) => "GT",
            SnpCall::Phred(_) => "PL",
            SnpCall::Log10(_) => "GL",
            SnpCall::Reads { .. } => "AD",
        }
    }

    /// P(evidence | 0, 1, 2 ALT alleles): calls under the genotyping error `genotype_error`
    /// (P(observed o | true g) = 1 − E if o = g, else E/2), reads under the per-read
    /// `sequencing_error` (required for reads), `PL` and `GL` as written.
    pub fn likelihoods(
        &self,
        genotype_error: f64,
        sequencing_error: Option<f64>,
    ) -> Result<GenotypeLikelihoods, LinkageError> {
        match *self {
            SnpCall::Genotype(n) => GenotypeLikelihoods::from_call(usize::from(n), genotype_error),
            SnpCall::Phred(pl) => GenotypeLikelihoods::from_phred(pl),
            SnpCall::Log10(gl) => GenotypeLikelihoods::from_log10(gl),
            SnpCall::Reads { ref_reads, alt_reads } => {
                GenotypeLikelihoods::from_read_counts(ref_reads, alt_reads, sequencing_error.unwrap_or(f64::NAN))
            }
        }
    }
}

/// One sample's evidence at each SNP of a panel, in the panel's order.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct SnpProfile {
    calls: Vec<Option<SnpCall>>,
}

/// Why stored bytes are no SNP profile of the panel.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("SNP profile: {0}")]
pub struct ProfileCodecError(String);

const PACKED_CALLS: u8 = 1;
const TAGGED: u8 = 2;

impl SnpProfile {
    pub fn new(calls: Vec<Option<SnpCall>>) -> SnpProfile {
        SnpProfile { calls }
    }

    /// The evidence per panel SNP.
    pub fn calls(&self) -> &[Option<SnpCall>] {
        &self.calls
    }

    /// How many SNPs have evidence.
    pub fn typed(&self) -> usize {
        self.calls.iter().filter(|c| c.is_some()).count()
    }

    /// The kinds of evidence in the profile (`GT`, `PL`, …), each once, in that order.
    pub fn kinds(&self) -> Vec<&'static str> {
        let mut out: Vec<&'static str> = Vec::new();
        for kind in ["GT", "PL", "GL", "AD"] {
            if self.calls.iter().flatten().any(|c| c.kind() == kind) {
                out.push(kind);
            }
        }
        out
    }

    /// The compact binary form (module documentation).
    pub fn encode(&self) -> Vec<u8> {
        if self.calls.iter().flatten().all(|c| matches!(c, SnpCall::Genotype(_))) {
            let mut out = vec![0u8; 1 + self.calls.len().div_ceil(4)];
            out[0] = PACKED_CALLS;
            for (i, call) in self.calls.iter().enumerate() {
                if let Some(SnpCall::Genotype(n)) = call {
                    out[1 + i / 4] |= (n + 1) << (2 * (i % 4));
                }
            }
            return out;
        }
        let mut out = vec![TAGGED];
        for call in &self.calls {
            match *call {
                None => out.push(0),
                Some(SnpCall::Genotype(n)) => out.extend([1, n]),
                Some(SnpCall::Phred(pl)) if pl.iter().all(|&x| x.fract() == 0.0 && (0.0..=65535.0).contains(&x)) => {
                    out.push(2);
                    for x in pl {
                        out.extend((x as u16).to_le_bytes());
                    }
                }
                Some(SnpCall::Phred(values)) | Some(SnpCall::Log10(values)) => {
                    out.push(if matches!(call, Some(SnpCall::Phred(_))) { 3 } else { 4 });
                    for x in values {
                        out.extend(x.to_le_bytes());
                    }
                }
                Some(SnpCall::Reads { ref_reads, alt_reads }) => {
                    out.push(5);
                    out.extend(ref_reads.to_le_bytes());
                    out.extend(alt_reads.to_le_bytes());
                }
            }
        }
        out
    }

    /// Reads the binary form of a profile of a panel of `snps` SNPs.
    pub fn decode(bytes: &[u8], snps: usize) -> Result<SnpProfile, ProfileCodecError> {
        let bad = |why: String| ProfileCodecError(why);
        let (&layout, body) = bytes.split_first().ok_or_else(|| bad("no bytes".to_owned()))?;
        match layout {
            PACKED_CALLS => {
                if body.len() != snps.div_ceil(4) {
                    return Err(bad(format!(
                        "{} bytes of calls for {snps} SNPs (expected {})",
                        body.len(),
                        snps.div_ceil(4)
                    )));
                }
                let calls = (0..snps)
                    .map(|i| match (body[i / 4] >> (2 * (i % 4))) & 3 {
                        0 => None,
                        n => Some(SnpCall::Genotype(n - 1)),
                    })
                    .collect();
                // Bits past the last SNP are zero in the form written.
                let spare = snps % 4;
                if spare != 0 && body.last().is_some_and(|&b| b >> (2 * spare) != 0) {
                    return Err(bad("calls past the panel's last SNP".to_owned()));
                }
                Ok(SnpProfile { calls })
            }
            TAGGED => {
                let mut calls = Vec::with_capacity(snps);
                let mut rest = body;
                let mut take = |n: usize, at: usize| -> Result<&[u8], ProfileCodecError> {
                    if rest.len() < n {
                        return Err(bad(format!("SNP {}: the bytes end inside its values", at + 1)));
                    }
                    let (head, tail) = rest.split_at(n);
                    rest = tail;
                    Ok(head)
                };
                let f64s = |b: &[u8], at: usize| -> Result<[f64; 3], ProfileCodecError> {
                    let v: [f64; 3] =
                        std::array::from_fn(|k| f64::from_le_bytes(b[8 * k..8 * k + 8].try_into().unwrap_or([0; 8])));
                    if v.iter().all(|x| x.is_finite()) {
                        Ok(v)
                    } else {
                        Err(bad(format!("SNP {}: a likelihood that is not a number", at + 1)))
                    }
                };
                for at in 0..snps {
                    let tag = take(1, at)?[0];
                    calls.push(match tag {
                        0 => None,
                        1 => match take(1, at)?[0] {
                            n @ 0..=2 => Some(SnpCall::Genotype(n)),
                            n => return Err(bad(format!("SNP {}: {n} ALT alleles", at + 1))),
                        },
                        2 => {
                            let b = take(6, at)?;
                            Some(SnpCall::Phred(std::array::from_fn(|k| {
                                f64::from(u16::from_le_bytes([b[2 * k], b[2 * k + 1]]))
                            })))
                        }
                        3 => Some(SnpCall::Phred(f64s(take(24, at)?, at)?)),
                        4 => Some(SnpCall::Log10(f64s(take(24, at)?, at)?)),
                        5 => {
                            let b = take(8, at)?;
                            Some(SnpCall::Reads {
                                ref_reads: u32::from_le_bytes([b[0], b[1], b[2], b[3]]),
                                alt_reads: u32::from_le_bytes([b[4], b[5], b[6], b[7]]),
                            })
                        }
                        t => return Err(bad(format!("SNP {}: unknown tag {t}", at + 1))),
                    });
                }
                if !rest.is_empty() {
                    return Err(bad(format!("{} bytes past the panel's last SNP", rest.len())));
                }
                Ok(SnpProfile { calls })
            }
            other => Err(bad(format!("unknown layout {other}"))),
        }
    }
}

/// Why a VCF file does not fit a panel: the VCF line and field at fault.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("line {line}, field '{field}': {message}")]
pub struct AlignError {
    pub line: usize,
    pub field: String,
    pub message: String,
}

/// Each VCF sample's profile on `panel` (in the VCF's sample order). Every record must name a
/// panel SNP (by `ID`), on its chromosome (`chr5` = `5`), with its REF and ALT; no SNP twice.
/// Reads are used where a column has them and `sequencing_error` is given (see
/// [`SnpCall::from_sample_call`]); every call is checked by turning it into likelihoods (with no
/// genotyping error, which cannot fail for a call).
pub fn align_vcf(
    panel: &SnpPanel,
    vcf: &VcfFile,
    sequencing_error: Option<f64>,
) -> Result<Vec<SnpProfile>, AlignError> {
    let by_name: std::collections::HashMap<&str, usize> = panel
        .snps
        .iter()
        .enumerate()
        .map(|(i, s)| (s.marker.as_str(), i))
        .collect();
    let mut profiles = vec![vec![None; panel.snps.len()]; vcf.samples.len()];
    let mut seen = vec![None; panel.snps.len()];
    for rec in &vcf.records {
        let err = |field: &str, message: String| AlignError {
            line: rec.line,
            field: field.to_owned(),
            message,
        };
        let Some(&i) = by_name.get(rec.id.as_str()) else {
            return Err(err("ID", format!("marker '{}' is not in the panel", rec.id)));
        };
        let snp = &panel.snps[i];
        if let Some(first) = seen[i].replace(rec.line) {
            return Err(err("ID", format!("marker '{}' is on line {first} already", rec.id)));
        }
        if normalise_chrom(&rec.chrom) != normalise_chrom(&snp.chrom) {
            return Err(err(
                "CHROM",
                format!(
                    "'{}' is on chromosome {} in the panel (line {})",
                    rec.id, snp.chrom, snp.line
                ),
            ));
        }
        for (field, got, want) in [("REF", &rec.reference, &snp.reference), ("ALT", &rec.alt, &snp.alt)] {
            if got != want {
                return Err(err(
                    field,
                    format!(
                        "'{got}' for '{}', but the panel (line {}) has ref {} and alt {}",
                        rec.id, snp.line, snp.reference, snp.alt
                    ),
                ));
            }
        }
        for (s, call) in rec.calls.iter().enumerate() {
            let call = SnpCall::from_sample_call(call, sequencing_error.is_some());
            if let Some(c) = &call {
                c.likelihoods(0.0, sequencing_error)
                    .map_err(|e| err(&vcf.samples[s], e.to_string()))?;
            }
            profiles[s][i] = call;
        }
    }
    Ok(profiles.into_iter().map(SnpProfile::new).collect())
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn call() -> impl Strategy<Value = Option<SnpCall>> {
        prop_oneof![
            Just(None),
            (0u8..3).prop_map(|n| Some(SnpCall::Genotype(n))),
            prop::array::uniform3(0u16..2000).prop_map(|v| Some(SnpCall::Phred(v.map(f64::from)))),
            prop::array::uniform3(0.0f64..500.0).prop_map(|v| Some(SnpCall::Phred(v))),
            prop::array::uniform3(-50.0f64..0.0).prop_map(|v| Some(SnpCall::Log10(v))),
            (0u32..100_000, 0u32..100_000).prop_map(|(r, a)| Some(SnpCall::Reads {
                ref_reads: r,
                alt_reads: a
            })),
        ]
    }

    proptest! {
        #[test]
        fn every_profile_survives_its_binary_form(calls in prop::collection::vec(call(), 0..40)) {
            let p = SnpProfile::new(calls);
            let bytes = p.encode();
            prop_assert_eq!(SnpProfile::decode(&bytes, p.calls().len()), Ok(p.clone()));
            // Any other panel size, or a cut, is refused, never misread.
            prop_assert!(SnpProfile::decode(&bytes, p.calls().len() + 4).is_err());
            if bytes.len() > 1 {
                prop_assert!(SnpProfile::decode(&bytes[..bytes.len() - 1], p.calls().len()).is_err());
            }
        }

        #[test]
        fn decoding_noise_never_panics(bytes in prop::collection::vec(any::<u8>(), 0..64), n in 0usize..40) {
            let _ = SnpProfile::decode(&bytes, n);
        }
    }

    #[test]
    fn calls_only_take_two_bits_a_snp() {
        let calls: Vec<Option<SnpCall>> = (0..3930)
            .map(|i| (i % 5 != 0).then_some(SnpCall::Genotype((i % 3) as u8)))
            .collect();
        assert_eq!(SnpProfile::new(calls).encode().len(), 1 + 983);
    }

    #[test]
    fn reads_are_used_only_when_asked_for_and_present() {
        let c = SampleCall {
            gt: GtCall::Diploid(0, 1),
            pl: Some([30.0, 0.0, 40.0]),
            gl: None,
            ad: Some([3, 4]),
        };
        assert_eq!(
            SnpCall::from_sample_call(&c, false),
            Some(SnpCall::Phred([30.0, 0.0, 40.0]))
        );
        assert_eq!(
            SnpCall::from_sample_call(&c, true),
            Some(SnpCall::Reads {
                ref_reads: 3,
                alt_reads: 4
            })
        );
        let no_reads = SampleCall {
            ad: Some([0, 0]),
            pl: None,
            ..c
        };
        assert_eq!(SnpCall::from_sample_call(&no_reads, true), Some(SnpCall::Genotype(1)));
        let untyped = SampleCall {
            gt: GtCall::Missing,
            ad: None,
            pl: None,
            gl: None,
        };
        assert_eq!(SnpCall::from_sample_call(&untyped, true), None);
    }
}
