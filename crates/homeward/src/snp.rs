//! SNP evidence for `homeward lr`: a panel file and a VCF file → per chromosome, the panel's
//! markers on their genetic map and each VCF sample's genotype likelihoods; and the linked
//! likelihood of a pedigree over them. Errors name the file, line and field.

use std::path::{Path, PathBuf};

use anyhow::Result;
use clap::{Args, ValueEnum};
use formats::SnpPanel;
use kinship::{GenotypeLikelihoods, LinkageError, LinkedChain, LinkedMarker, MapFunction, Pedigree};

use casework::input_error;

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum MapName {
    Haldane,
    Kosambi,
}

impl MapName {
    pub fn function(self) -> MapFunction {
        match self {
            MapName::Haldane => MapFunction::Haldane,
            MapName::Kosambi => MapFunction::Kosambi,
        }
    }
}

#[derive(Debug, Args)]
pub struct SnpArgs {
    /// SNP genotypes (VCF 4.x text; one column per typed person, named by ped id): GT, PL, GL or AD.
    #[arg(long, value_name = "GENOTYPES.vcf", requires = "panel")]
    pub vcf: Option<PathBuf>,
    /// The SNP panel: marker, chrom, pos_bp, cm, ref, alt, freq_alt (optional cm_female, cm_male,
    /// freq_alt:POP), tab-separated. The FORCE panel is bundled as data/snp/force-autosomal.tsv.
    #[arg(long, value_name = "PANEL.tsv", requires = "vcf")]
    pub panel: Option<PathBuf>,
    /// Genotyping error of GT calls: P(observed o | true g) = 1 − E if o = g, else E/2. Never
    /// applied to PL, GL or AD.
    #[arg(long, value_name = "E", default_value_t = 0.0, allow_negative_numbers = true)]
    pub genotype_error: f64,
    /// Use the AD read counts (where given) with this per-read error rate instead of PL/GL/GT.
    #[arg(long, value_name = "EPS", allow_negative_numbers = true)]
    pub sequencing_error: Option<f64>,
    /// Map function from centimorgans to recombination fractions.
    #[arg(long, value_enum, default_value_t = MapName::Haldane)]
    pub map: MapName,
    /// Use the panel's sex-averaged cM column even when it has cm_female and cm_male.
    #[arg(long)]
    pub sex_averaged_map: bool,
}

/// The SNPs of one chromosome in map order, with the evidence of every VCF sample.
#[derive(Debug, Clone)]
pub struct ChromosomeData {
    pub name: String,
    pub markers: Vec<LinkedMarker>,
    /// Each marker's index among the panel's SNPs.
    pub snps: Vec<usize>,
    /// `[marker][VCF sample]`.
    pub evidence: Vec<Vec<Option<GenotypeLikelihoods>>>,
}

impl ChromosomeData {
    /// The evidence as `[marker][member]` for members carrying the VCF samples `samples_of`.
    fn rows(&self, samples_of: &[Option<usize>]) -> Vec<Vec<Option<GenotypeLikelihoods>>> {
        self.evidence
            .iter()
            .map(|row| samples_of.iter().map(|s| s.and_then(|s| row[s])).collect())
            .collect()
    }
}

/// Everything read from the panel and the VCF file.
#[derive(Debug, Clone)]
pub struct SnpData {
    pub vcf: PathBuf,
    /// The line of the VCF `#CHROM` header, where the samples are named.
    pub header_line: usize,
    pub samples: Vec<String>,
    pub chromosomes: Vec<ChromosomeData>,
    pub map: MapFunction,
}

impl SnpData {
    /// Whether VCF sample `s` has any data.
    pub fn is_typed(&self, s: usize) -> bool {
        self.chromosomes
            .iter()
            .any(|c| c.evidence.iter().any(|row| row[s].is_some()))
    }

    /// Each member's VCF sample; every VCF sample must be a member of `ped` (read from `ped_path`).
    pub fn samples_of(&self, ped_path: &Path, ped: &Pedigree) -> Result<Vec<Option<usize>>> {
        let mut of = vec![None; ped.len()];
        for (s, id) in self.samples.iter().enumerate() {
            let Some(i) = ped.index_of(id) else {
                return Err(input_error!(
                    "{}: line {}, field '{id}': sample '{id}' is not a person of {}",
                    self.vcf.display(),
                    self.header_line,
                    ped_path.display()
                ));
            };
            of[i] = Some(s);
        }
        Ok(of)
    }

    /// ln L per chromosome of `ped`, whose members carry the VCF samples `samples_of`.
    pub fn ln_likelihoods(&self, ped: &Pedigree, samples_of: &[Option<usize>]) -> Result<Vec<f64>> {
        let mut chain = self.chain(ped, samples_of)?;
        self.chromosomes
            .iter()
            .map(|c| {
                chain
                    .ln_likelihood(&c.markers, &c.rows(samples_of), self.map)
                    .map_err(compute_error)
            })
            .collect()
    }

    /// Per chromosome and marker, P(IBD = 0, 1, 2 between members `a` and `b` | the data).
    pub fn ibd_posteriors(
        &self,
        ped: &Pedigree,
        samples_of: &[Option<usize>],
        a: usize,
        b: usize,
    ) -> Result<Vec<Vec<[f64; 3]>>> {
        let mut chain = self.chain(ped, samples_of)?;
        self.chromosomes
            .iter()
            .map(|c| {
                chain
                    .ibd_posteriors(&c.markers, &c.rows(samples_of), self.map, a, b)
                    .map_err(compute_error)
            })
            .collect()
    }

    fn chain(&self, ped: &Pedigree, samples_of: &[Option<usize>]) -> Result<LinkedChain> {
        let typed: Vec<bool> = samples_of.iter().map(|s| s.is_some_and(|s| self.is_typed(s))).collect();
        LinkedChain::new(ped, &typed).map_err(compute_error)
    }
}

fn compute_error(e: LinkageError) -> anyhow::Error {
    match e {
        LinkageError::TooComplex { .. } => anyhow::Error::new(e),
        other => input_error!("{other}"),
    }
}

impl SnpArgs {
    /// Reads the panel and the VCF file, if given; `sex_averaged` uses the panel's `cm` column
    /// whatever the flag says.
    pub fn load(&self, population: Option<&str>, sex_averaged: bool) -> Result<Option<SnpData>> {
        let (Some(vcf_path), Some(panel_path)) = (&self.vcf, &self.panel) else {
            return Ok(None);
        };
        if !(0.0..1.0).contains(&self.genotype_error) {
            return Err(input_error!(
                "--genotype-error {}: must be in [0, 1)",
                self.genotype_error
            ));
        }
        if let Some(e) = self.sequencing_error {
            if !(e > 0.0 && e < 0.5) {
                return Err(input_error!("--sequencing-error {e}: must be in (0, 0.5)"));
            }
        }
        let panel_text = casework::text_file::read_utf8(panel_path)?;
        let panel = formats::read_snp_panel(&panel_text).map_err(|e| input_error!("{}: {e}", panel_path.display()))?;
        let sex_specific = panel.has_sex_specific_map() && !self.sex_averaged_map && !sex_averaged;
        let mut chromosomes = panel_chromosomes(panel_path, &panel, population, sex_specific)?;
        let vcf_text = read_vcf_text(vcf_path)?;
        let vcf = formats::read_vcf(&vcf_text).map_err(|e| input_error!("{}: {e}", vcf_path.display()))?;
        let profiles = formats::align_vcf(&panel, &vcf, self.sequencing_error)
            .map_err(|e| input_error!("{}: {e} ({})", vcf_path.display(), panel_path.display()))?;
        for c in &mut chromosomes {
            c.evidence = Vec::with_capacity(c.snps.len());
            for &i in &c.snps {
                let mut row = Vec::with_capacity(profiles.len());
                for p in &profiles {
                    row.push(match p.calls()[i] {
                        Some(call) => Some(
                            call.likelihoods(self.genotype_error, self.sequencing_error)
                                .map_err(|e| input_error!("{}: {e}", vcf_path.display()))?,
                        ),
                        None => None,
                    });
                }
                c.evidence.push(row);
            }
        }
        Ok(Some(SnpData {
            vcf: vcf_path.clone(),
            header_line: vcf.header_line,
            samples: vcf.samples,
            chromosomes,
            map: self.map.function(),
        }))
    }
}

/// The panel's SNPs grouped by chromosome ([`formats::SnpPanel::linked_chromosomes`]), with no
/// evidence yet. Errors name `path`, the line and the column.
pub fn panel_chromosomes(
    path: &Path,
    panel: &SnpPanel,
    population: Option<&str>,
    sex_specific: bool,
) -> Result<Vec<ChromosomeData>> {
    let chromosomes = panel
        .linked_chromosomes(population, sex_specific)
        .map_err(|e| input_error!("{}: {e}", path.display()))?;
    Ok(chromosomes
        .into_iter()
        .map(|c| ChromosomeData {
            name: c.name,
            markers: c.markers,
            snps: c.snps,
            evidence: Vec::new(),
        })
        .collect())
}

/// The VCF file as text; compressed files (gzip, BGZF, BCF) are refused with a hint.
fn read_vcf_text(path: &Path) -> Result<String> {
    let bytes = std::fs::read(path).map_err(|e| input_error!("{}: cannot read: {e}", path.display()))?;
    if bytes.starts_with(&[0x1f, 0x8b]) || bytes.starts_with(b"BCF") {
        return Err(input_error!(
            "{}: line 1: the file is compressed (gzip/BGZF or BCF); give a text VCF (bgzip -d, or bcftools view)",
            path.display()
        ));
    }
    casework::text_file::read_utf8(path)
}
