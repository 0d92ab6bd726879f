//! VCF 4.x text files of biallelic SNP genotypes: per record and sample, the `GT` call and the
//! genotype likelihoods `PL` (phred-scaled) or `GL` (log10), and the read counts `AD`.
//!
//! ```text
//! ##fileformat=VCFv4.2
//! #CHROM  POS      ID         REF  ALT  QUAL  FILTER  INFO  FORMAT  F    C
//! 5       3675819  rs7711236  G    T    .     PASS    .     GT:PL   1/1:60,9,0  ./.:.
//! ```
//!
//! A small reader of the text form, not a general VCF library: the first line must be
//! `##fileformat=VCFv4.x`; other `##` meta lines are skipped; the `#CHROM` header names the
//! samples. Each record has exactly one ALT allele (split multi-allelic records first, e.g. with
//! `bcftools norm -m-`), a non-empty ID, and, per sample, the FORMAT keys' values separated by `:`
//! (trailing values may be left out, `.` is missing). Genotypes are diploid: `0/0`, `0|1`, `1/1`,
//! or `./.` (also `.`) when missing; a half-missing call such as `0/.` is refused. Other FORMAT keys
//! are ignored, as are QUAL, FILTER and INFO (the filter is kept for the caller). BCF and
//! bgzip-compressed files are not read; decompress them first (`bcftools view`, `bgzip -d`).

use std::collections::HashSet;

use crate::text::numbered_lines;

/// Why a VCF file cannot be read: the line and the field at fault.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("line {line}, field '{field}': {message}")]
pub struct VcfError {
    pub line: usize,
    pub field: String,
    pub message: String,
}

impl VcfError {
    fn new(line: usize, field: impl Into<String>, message: impl Into<String>) -> Self {
        VcfError {
            line,
            field: field.into(),
            message: message.into(),
        }
    }
}

/// A genotype call: missing, or the two allele indices (0 = REF, 1 = ALT) as written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GtCall {
    Missing,
    Diploid(u8, u8),
}

impl GtCall {
    /// The number of ALT alleles, or `None` when missing.
    pub fn alt_count(self) -> Option<usize> {
        match self {
            GtCall::Missing => None,
            GtCall::Diploid(a, b) => Some(usize::from(a) + usize::from(b)),
        }
    }
}

/// What one sample's column says at one record. `None`: the key is absent or its value is `.`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SampleCall {
    pub gt: GtCall,
    /// Phred-scaled likelihoods of REF/REF, REF/ALT, ALT/ALT, as written.
    pub pl: Option<[f64; 3]>,
    /// log10 likelihoods of the same three genotypes, as written.
    pub gl: Option<[f64; 3]>,
    /// Read depth of REF and of ALT.
    pub ad: Option<[u32; 2]>,
}

/// One record (one SNP).
#[derive(Debug, Clone, PartialEq)]
pub struct VcfRecord {
    /// 1-based line number in the file.
    pub line: usize,
    pub chrom: String,
    pub pos: u64,
    pub id: String,
    pub reference: String,
    pub alt: String,
    pub filter: String,
    /// One per sample, in header order.
    pub calls: Vec<SampleCall>,
}

/// A VCF file: its samples (header order), the line of the `#CHROM` header and the records.
#[derive(Debug, Clone, PartialEq)]
pub struct VcfFile {
    pub samples: Vec<String>,
    pub header_line: usize,
    pub records: Vec<VcfRecord>,
}

const FIXED: [&str; 8] = ["#CHROM", "POS", "ID", "REF", "ALT", "QUAL", "FILTER", "INFO"];

/// Reads a VCF file.
pub fn read_vcf(text: &str) -> Result<VcfFile, VcfError> {
    let mut lines = numbered_lines(text).filter(|(_, l)| !l.trim().is_empty());
    match lines.next() {
        Some((_, l)) if l.starts_with("##fileformat=VCFv4.") => {}
        Some((n, l)) => {
            return Err(VcfError::new(
                n,
                "fileformat",
                format!(
                    "the first line is '{}', expected ##fileformat=VCFv4.x (a text VCF; decompress .vcf.gz and convert BCF first)",
                    l.chars().take(40).collect::<String>()
                ),
            ))
        }
        None => return Err(VcfError::new(1, "fileformat", "the file is empty")),
    }
    let (header_line, header) = loop {
        match lines.next() {
            Some((_, l)) if l.starts_with("##") => continue,
            Some((n, l)) if l.starts_with("#CHROM") => break (n, l),
            Some((n, _)) => {
                return Err(VcfError::new(
                    n,
                    "#CHROM",
                    "expected the header line #CHROM POS ID REF ALT QUAL FILTER INFO …",
                ))
            }
            None => return Err(VcfError::new(1, "#CHROM", "the file has no #CHROM header line")),
        }
    };
    let head: Vec<&str> = header.split('\t').collect();
    for (i, want) in FIXED.iter().enumerate() {
        if head.get(i) != Some(want) {
            return Err(VcfError::new(
                header_line,
                *want,
                format!(
                    "column {} is '{}', expected '{want}' (the header is tab-separated: {})",
                    i + 1,
                    head.get(i).copied().unwrap_or(""),
                    FIXED.join(" ")
                ),
            ));
        }
    }
    let samples: Vec<String> = match head.get(8) {
        None => Vec::new(),
        Some(&"FORMAT") => head[9..].iter().map(|s| (*s).to_owned()).collect(),
        Some(other) => {
            return Err(VcfError::new(
                header_line,
                "FORMAT",
                format!("column 9 is '{other}', expected 'FORMAT'"),
            ))
        }
    };
    let mut seen = HashSet::new();
    for s in &samples {
        if s.trim().is_empty() {
            return Err(VcfError::new(header_line, "#CHROM", "a sample column has no name"));
        }
        if !seen.insert(s.as_str()) {
            return Err(VcfError::new(
                header_line,
                s.as_str(),
                "the sample appears twice in the header",
            ));
        }
    }
    let ncol = if samples.is_empty() { 8 } else { 9 + samples.len() };

    let mut records = Vec::new();
    let mut ids = HashSet::new();
    for (line, text) in lines {
        if text.starts_with('#') {
            return Err(VcfError::new(line, "#CHROM", "a header line after the records"));
        }
        let fields: Vec<&str> = text.split('\t').collect();
        if fields.len() != ncol {
            return Err(VcfError::new(
                line,
                "columns",
                format!(
                    "expected {ncol} tab-separated columns as in the header, found {}",
                    fields.len()
                ),
            ));
        }
        let pos = fields[1]
            .parse::<u64>()
            .map_err(|_| VcfError::new(line, "POS", format!("'{}' is not a position", fields[1])))?;
        let id = fields[2];
        if id.is_empty() || id == "." {
            return Err(VcfError::new(
                line,
                "ID",
                "the record has no ID; SNPs are matched to the panel by ID",
            ));
        }
        if !ids.insert(id) {
            return Err(VcfError::new(line, "ID", format!("'{id}' appears twice")));
        }
        let alt = fields[4];
        if alt.contains(',') {
            return Err(VcfError::new(
                line,
                "ALT",
                format!("'{alt}' has several ALT alleles; split multi-allelic records first (bcftools norm -m-)"),
            ));
        }
        let calls = if samples.is_empty() {
            Vec::new()
        } else {
            let keys: Vec<&str> = fields[8].split(':').collect();
            samples
                .iter()
                .zip(&fields[9..])
                .map(|(sample, value)| read_call(line, sample, &keys, value))
                .collect::<Result<Vec<_>, _>>()?
        };
        records.push(VcfRecord {
            line,
            chrom: fields[0].to_owned(),
            pos,
            id: id.to_owned(),
            reference: fields[3].to_ascii_uppercase(),
            alt: alt.to_ascii_uppercase(),
            filter: fields[6].to_owned(),
            calls,
        });
    }
    Ok(VcfFile {
        samples,
        header_line,
        records,
    })
}

fn read_call(line: usize, sample: &str, keys: &[&str], value: &str) -> Result<SampleCall, VcfError> {
    let values: Vec<&str> = value.split(':').collect();
    if values.len() > keys.len() {
        return Err(VcfError::new(
            line,
            sample,
            format!(
                "'{value}' has {} values for the {} FORMAT keys",
                values.len(),
                keys.len()
            ),
        ));
    }
    let mut call = SampleCall {
        gt: GtCall::Missing,
        pl: None,
        gl: None,
        ad: None,
    };
    for (key, v) in keys.iter().zip(&values) {
        let err = |message: String| VcfError::new(line, format!("{sample}:{key}"), message);
        match *key {
            "GT" => call.gt = read_gt(v).map_err(err)?,
            "PL" => call.pl = read_numbers::<3>(v, "PL", |x| x >= 0.0).map_err(err)?,
            "GL" => call.gl = read_numbers::<3>(v, "GL", |x| x <= 0.0).map_err(err)?,
            "AD" => {
                call.ad = read_numbers::<2>(v, "AD", |x| x >= 0.0 && x.fract() == 0.0 && x < 4e9)
                    .map_err(err)?
                    .map(|[r, a]| [r as u32, a as u32])
            }
            _ => {}
        }
    }
    Ok(call)
}

fn read_gt(v: &str) -> Result<GtCall, String> {
    if v == "." {
        return Ok(GtCall::Missing);
    }
    let parts: Vec<&str> = v.split(['/', '|']).collect();
    let allele = |a: &str| -> Result<Option<u8>, String> {
        match a {
            "." => Ok(None),
            "0" => Ok(Some(0)),
            "1" => Ok(Some(1)),
            _ if a.parse::<u32>().is_ok() => Err(format!(
                "genotype '{v}' names ALT allele {a}, but the record has one ALT allele"
            )),
            _ => Err(format!("'{v}' is not a genotype (0/0, 0/1, 1/1 or ./.)")),
        }
    };
    match parts[..] {
        [a, b] => match (allele(a)?, allele(b)?) {
            (None, None) => Ok(GtCall::Missing),
            (Some(a), Some(b)) => Ok(GtCall::Diploid(a, b)),
            _ => Err(format!("genotype '{v}' is half missing; write ./. or the whole call")),
        },
        [_] => Err(format!("genotype '{v}' is haploid; autosomal SNPs need two alleles")),
        _ => Err(format!("genotype '{v}' has more than two alleles")),
    }
}

/// `N` comma-separated numbers each satisfying `ok`, or `None` for `.`.
fn read_numbers<const N: usize>(v: &str, key: &str, ok: impl Fn(f64) -> bool) -> Result<Option<[f64; N]>, String> {
    if v == "." {
        return Ok(None);
    }
    let parts: Vec<&str> = v.split(',').collect();
    if parts.len() != N {
        return Err(format!(
            "{key} '{v}' has {} values; a biallelic diploid SNP has {N}",
            parts.len()
        ));
    }
    let mut out = [0.0; N];
    for (o, p) in out.iter_mut().zip(&parts) {
        *o = p
            .parse::<f64>()
            .ok()
            .filter(|x| x.is_finite() && ok(*x))
            .ok_or_else(|| format!("{key} '{v}': '{p}' is not a valid value"))?;
    }
    Ok(Some(out))
}

#[cfg(test)]
mod tests {
    use super::*;

    const VCF: &str = "##fileformat=VCFv4.2\n##contig=<ID=5>\n\
        #CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\tFORMAT\tF\tC\n\
        5\t100\trs1\tG\tT\t.\tPASS\t.\tGT:PL:AD\t1/1:60,9,0:0,3\t./.\n\
        5\t200\trs2\tA\tG\t.\tPASS\t.\tGT:GL\t0|1:-1,0,-2.5\t0/0:.\n";

    #[test]
    fn reads_calls_likelihoods_and_read_counts() {
        let v = read_vcf(VCF).unwrap();
        assert_eq!(v.samples, vec!["F", "C"]);
        assert_eq!(v.header_line, 3);
        let r = &v.records[0];
        assert_eq!((r.line, r.id.as_str(), r.pos), (4, "rs1", 100));
        assert_eq!(r.calls[0].gt, GtCall::Diploid(1, 1));
        assert_eq!(r.calls[0].pl, Some([60.0, 9.0, 0.0]));
        assert_eq!(r.calls[0].ad, Some([0, 3]));
        assert_eq!(r.calls[1].gt, GtCall::Missing);
        assert_eq!(v.records[1].calls[0].gl, Some([-1.0, 0.0, -2.5]));
        assert_eq!(v.records[1].calls[1].gt.alt_count(), Some(0));
    }

    #[test]
    fn errors_name_line_and_field() {
        let cases = [
            (VCF.replace("60,9,0", "60,9"), 4, "F:PL"),
            (VCF.replace("60,9,0", "60,-9,0"), 4, "F:PL"),
            (VCF.replace("0|1", "0/2"), 5, "F:GT"),
            (VCF.replace("0|1", "0/."), 5, "F:GT"),
            (VCF.replace("\trs2\t", "\t.\t"), 5, "ID"),
            (VCF.replace("\trs2\t", "\trs1\t"), 5, "ID"),
            (VCF.replace("\tT\t", "\tT,C\t"), 4, "ALT"),
            (VCF.replace("\t./.\n", "\n"), 4, "columns"),
            (VCF.replace("VCFv4.2", "VCFv3"), 1, "fileformat"),
            (VCF.replace("\tC\n", "\tF\n"), 3, "F"),
        ];
        for (text, line, field) in cases {
            let e = read_vcf(&text).unwrap_err();
            assert_eq!((e.line, e.field.as_str()), (line, field), "{e}");
        }
    }
}
