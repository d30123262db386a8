"""The panel's endpoints: what each one predicts, in which unit, and where its data came from.

One row per output column. The 22 TDC ADMET Benchmark Group endpoints are named by their TDC
folder (``caco2_wang``, ``herg``, ...; TDC's Lipophilicity_AstraZeneca and BBB_Martins are the
MoleculeNet files ``lipophilicity`` and ``bbbp``) and the 12 Tox21 assays ``tox21_<assay>``.
The metric is TDC's for that endpoint (Tox21: AUROC, as in the challenge).
"""

from __future__ import annotations

from dataclasses import dataclass

TDC_CITATION = (
    "Huang et al., Therapeutics Data Commons, NeurIPS Datasets and Benchmarks 2021 (TDC ADMET "
    "Benchmark Group)"
)
MOLECULENET_CITATION = "Wu et al., MoleculeNet, Chem. Sci. 2018, 9, 513"


@dataclass(frozen=True)
class Endpoint:
    """One predicted column of the panel.

    Attributes
    ----------
    name : str
        The column name.
    task : {"binary", "regression"}
        Binary endpoints are predicted as the probability of the positive class.
    metric : {"auroc", "auprc", "mae", "spearman"}
        TDC's metric for the endpoint (higher is better except MAE).
    units : str
        Units of a regression value; for a binary endpoint what the positive class is.
    high_means : str
        What a high value means, in words.
    log10 : bool
        The model learns log10 of the value (TDC practice for the Spearman sets); predictions
        are given back in the data's units.
    source : str
        Where the training file is below ``shared/data`` and its label column.
    citation, licence : str
        The data's origin and terms.
    """

    name: str
    task: str
    metric: str
    units: str
    high_means: str
    log10: bool
    source: str
    citation: str
    licence: str

    @property
    def higher_is_better(self) -> bool:
        """Whether a larger value of ``metric`` is a better model."""
        return self.metric != "mae"


_TDC_LICENCE = "TDC redistribution (CC BY 4.0); the original publication's terms apply"
_AZ_LICENCE = "AstraZeneca ChEMBL deposition, CC BY-SA 3.0 (via TDC)"


def _tdc(
    name: str, task: str, metric: str, units: str, high: str, paper: str, licence: str = _TDC_LICENCE
) -> Endpoint:
    return Endpoint(
        name=name,
        task=task,
        metric=metric,
        units=units,
        high_means=high,
        log10=metric == "spearman",
        source=f"admet/{name}/train.csv.gz:y",
        citation=f"{paper}; {TDC_CITATION}",
        licence=licence,
    )


_ENDPOINTS = [
    _tdc(
        "caco2_wang",
        "regression",
        "mae",
        "log10 Papp (cm/s)",
        "more permeable (Caco-2)",
        "Wang et al., J. Chem. Inf. Model. 2016, 56, 763",
    ),
    _tdc(
        "hia_hou",
        "binary",
        "auroc",
        "P(absorbed in the human intestine)",
        "more likely absorbed",
        "Hou et al., J. Chem. Inf. Model. 2007, 47, 208",
    ),
    _tdc(
        "pgp_broccatelli",
        "binary",
        "auroc",
        "P(P-glycoprotein inhibitor)",
        "more likely a Pgp inhibitor",
        "Broccatelli et al., J. Med. Chem. 2011, 54, 1740",
    ),
    _tdc(
        "bioavailability_ma",
        "binary",
        "auroc",
        "P(oral bioavailability >= 20 %)",
        "more likely orally bioavailable",
        "Ma et al., J. Pharm. Biomed. Anal. 2008, 47, 677",
    ),
    _tdc(
        "solubility_aqsoldb",
        "regression",
        "mae",
        "log10 mol/L",
        "more soluble in water",
        "Sorkun et al., Sci. Data 2019, 6, 143 (AqSolDB, CC0)",
        "AqSolDB, CC0 (via TDC)",
    ),
    _tdc(
        "ppbr_az",
        "regression",
        "mae",
        "% bound to plasma proteins (human)",
        "more highly bound (less free drug)",
        "AstraZeneca, ChEMBL CHEMBL3301365",
        _AZ_LICENCE,
    ),
    _tdc(
        "vdss_lombardo",
        "regression",
        "spearman",
        "L/kg",
        "larger volume of distribution (more in tissues)",
        "Lombardo & Jing, Drug Metab. Dispos. 2016, 44, 1225",
    ),
    _tdc(
        "cyp2c9_veith",
        "binary",
        "auprc",
        "P(CYP2C9 inhibitor)",
        "more likely a CYP2C9 inhibitor",
        "Veith et al., Nat. Biotechnol. 2009, 27, 1050 (PubChem AID 1851)",
    ),
    _tdc(
        "cyp2d6_veith",
        "binary",
        "auprc",
        "P(CYP2D6 inhibitor)",
        "more likely a CYP2D6 inhibitor",
        "Veith et al., Nat. Biotechnol. 2009, 27, 1050 (PubChem AID 1851)",
    ),
    _tdc(
        "cyp3a4_veith",
        "binary",
        "auprc",
        "P(CYP3A4 inhibitor)",
        "more likely a CYP3A4 inhibitor",
        "Veith et al., Nat. Biotechnol. 2009, 27, 1050 (PubChem AID 1851)",
    ),
    _tdc(
        "cyp2c9_substrate_carbonmangels",
        "binary",
        "auprc",
        "P(CYP2C9 substrate)",
        "more likely a CYP2C9 substrate",
        "Carbon-Mangels & Hutter, Mol. Inf. 2011, 30, 885",
    ),
    _tdc(
        "cyp2d6_substrate_carbonmangels",
        "binary",
        "auprc",
        "P(CYP2D6 substrate)",
        "more likely a CYP2D6 substrate",
        "Carbon-Mangels & Hutter, Mol. Inf. 2011, 30, 885",
    ),
    _tdc(
        "cyp3a4_substrate_carbonmangels",
        "binary",
        "auroc",
        "P(CYP3A4 substrate)",
        "more likely a CYP3A4 substrate",
        "Carbon-Mangels & Hutter, Mol. Inf. 2011, 30, 885",
    ),
    _tdc(
        "half_life_obach",
        "regression",
        "spearman",
        "hours",
        "longer half-life in humans",
        "Obach et al., Drug Metab. Dispos. 2008, 36, 1385",
    ),
    _tdc(
        "clearance_hepatocyte_az",
        "regression",
        "spearman",
        "uL/min/10^6 cells",
        "faster hepatocyte clearance",
        "AstraZeneca, ChEMBL CHEMBL3301370",
        _AZ_LICENCE,
    ),
    _tdc(
        "clearance_microsome_az",
        "regression",
        "spearman",
        "mL/min/g",
        "faster microsomal clearance",
        "AstraZeneca, ChEMBL CHEMBL3301370",
        _AZ_LICENCE,
    ),
    _tdc(
        "ld50_zhu",
        "regression",
        "mae",
        "-log10(mol/kg)",
        "more acutely toxic (lower lethal dose)",
        "Zhu et al., Chem. Res. Toxicol. 2009, 22, 1913",
    ),
    _tdc(
        "herg",
        "binary",
        "auroc",
        "P(hERG blocker)",
        "more likely a hERG blocker (cardiotoxicity risk)",
        "Wang et al., Mol. Pharm. 2016, 13, 2855",
    ),
    _tdc(
        "ames",
        "binary",
        "auroc",
        "P(Ames mutagenic)",
        "more likely mutagenic",
        "Xu et al., J. Chem. Inf. Model. 2012, 52, 2840",
    ),
    _tdc(
        "dili",
        "binary",
        "auroc",
        "P(drug-induced liver injury)",
        "more likely to injure the liver",
        "Xu et al., J. Chem. Inf. Model. 2015, 55, 2085",
    ),
    Endpoint(
        "lipophilicity",
        "regression",
        "mae",
        "logD7.4",
        "more lipophilic",
        False,
        "moleculenet/lipophilicity.csv:lipo",
        f"AstraZeneca, ChEMBL CHEMBL3301361; {MOLECULENET_CITATION}; TDC Lipophilicity_AstraZeneca",
        "AstraZeneca ChEMBL deposition, CC BY-SA 3.0 (via MoleculeNet)",
    ),
    Endpoint(
        "bbbp",
        "binary",
        "auroc",
        "P(crosses the blood-brain barrier)",
        "more likely to reach the brain",
        False,
        "moleculenet/bbbp.csv:p_np",
        f"Martins et al., J. Chem. Inf. Model. 2012, 52, 1686; {MOLECULENET_CITATION}; TDC BBB_Martins",
        "paper supplement, via MoleculeNet (MIT-licensed benchmark collection)",
    ),
]

TOX21_ASSAYS = (
    "NR-AR",
    "NR-AR-LBD",
    "NR-AhR",
    "NR-Aromatase",
    "NR-ER",
    "NR-ER-LBD",
    "NR-PPAR-gamma",
    "SR-ARE",
    "SR-ATAD5",
    "SR-HSE",
    "SR-MMP",
    "SR-p53",
)


def tox21_name(assay: str) -> str:
    """Column name of a Tox21 assay: ``NR-AR-LBD`` -> ``tox21_nr_ar_lbd``."""
    return "tox21_" + assay.lower().replace("-", "_")


_ENDPOINTS += [
    Endpoint(
        tox21_name(assay),
        "binary",
        "auroc",
        f"P(active in Tox21 {assay})",
        f"more likely active in {assay}",
        False,
        f"moleculenet/tox21.csv.gz:{assay}",
        f"Tox21 Data Challenge 2014 (NIH/NCATS, EPA); Huang et al., Front. Environ. Sci. 2016; {MOLECULENET_CITATION}",
        "US government work (public domain), via MoleculeNet",
    )
    for assay in TOX21_ASSAYS
]

#: Every endpoint, by column name, in panel order.
ENDPOINTS: dict[str, Endpoint] = {e.name: e for e in _ENDPOINTS}

#: TDC leaderboard anchors (official split, 2026-03 scrape, shared/data/admet/README.md):
#: (Chemprop-RDKit, #1 entry); None where the README gives none.
LEADERBOARD: dict[str, tuple[float | None, float | None]] = {
    "caco2_wang": (0.330, 0.256),
    "hia_hou": (0.981, None),
    "pgp_broccatelli": (None, None),
    "bioavailability_ma": (None, None),
    "solubility_aqsoldb": (0.761, 0.741),
    "ppbr_az": (8.288, None),
    "vdss_lombardo": (0.389, None),
    "cyp2c9_veith": (0.777, None),
    "cyp2d6_veith": (0.673, None),
    "cyp3a4_veith": (0.876, 0.916),
    "cyp2c9_substrate_carbonmangels": (0.400, None),
    "cyp2d6_substrate_carbonmangels": (0.686, None),
    "cyp3a4_substrate_carbonmangels": (0.619, None),
    "half_life_obach": (0.239, None),
    "clearance_hepatocyte_az": (0.430, None),
    "clearance_microsome_az": (0.599, None),
    "ld50_zhu": (0.625, 0.552),
    "herg": (0.840, 0.880),
    "ames": (0.850, 0.871),
    "dili": (0.887, 0.956),
}
