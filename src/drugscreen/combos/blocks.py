"""What makes a dose-response block usable: the data checks shared by
:func:`~drugscreen.combos.synergy` and :func:`~drugscreen.combos.musyc`.

:func:`prepare_blocks` reads the long table (one row per well) into our column names, numeric
doses and responses in percent inhibition; :func:`check_block` checks one block of it. A block
that fails a check raises :class:`BlockError` and is skipped with the reason, as other unusable
blocks are (``synergy``'s ``errors`` table, ``musyc``'s ``error`` column). The checks:

* **Two drugs per block.** More than one drug name in a role, a column naming a third drug
  (``drug3``, ``drug_3``, ... with a value in the block), or an unmapped dose column (``conc3``,
  ``dose_c``, ...) whose value varies within the block other than with the row or column dose
  (a 3-drug table read as a 2-drug one: the third drug's wells would be averaged as replicates).
* **Responses in percent.** Every response within ±1.5 reads as fractions (multiply by 100); more
  than a tenth of the wells outside ``-100..200`` % (:data:`~drugscreen.combos.hill.E_BOUNDS`,
  the range the Hill fits allow), or every well beyond full effect (> 100 % inhibition, < 0 %
  viability), reads as another unit or a raw signal. Fewer wells outside the range are flagged.
* **Responses of the kind named by ``response``.** Single-drug responses that fall with dose
  (the top dose of a drug more than 20 points below the untreated well, and neither drug
  rising as much) read as viability given as inhibition, or the other way round: the block is
  scored, but flagged and logged (the excess would have the wrong sign), since a drug that
  makes cells grow does this too.
* **NaN or infinite responses** are wells not measured: they are left out and counted in the
  ``flag``; a block is refused only when that leaves a single-drug well without a measurement
  (Bliss and HSA need each one; MuSyC fits without).
"""

from __future__ import annotations

import logging
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from drugscreen.combos.hill import E_BOUNDS
from drugscreen.errors import InputError

logger = logging.getLogger("drugscreen")

#: Input columns (our names); ``columns=`` maps them to the table's names.
COLUMNS = ("block_id", "drug_row", "drug_col", "conc_row", "conc_col", "response")
#: Names accepted without a mapping (SynergyFinder's).
ALIASES = {"conc_row": "conc_r", "conc_col": "conc_c"}
#: Responses kinds :func:`~drugscreen.combos.synergy` and :func:`~drugscreen.combos.musyc` read
#: (percent).
RESPONSES = ("inhibition", "viability")
#: A block whose every response lies within ± this is taken for fractions, not percent.
FRACTION_LIMIT = 1.5
#: A block with more than this share of its wells outside ``E_BOUNDS`` is refused (fewer: flagged).
OUTSIDE_SHARE = 0.1
#: Points a drug's top-dose response must fall below the untreated well to count as falling.
FALL_POINTS = 20.0
#: Unmapped columns that name a third drug, or give a third dose (prefixes of their copies).
_THIRD_DRUG = re.compile(r"(drug|compound|agent|treatment)[\s_.-]*([3-9]|third)", re.IGNORECASE)
_THIRD_DOSE = re.compile(r"(conc|concentration|dose|dosage)([\s_.-]*\w{1,3})?", re.IGNORECASE)
_DRUG_PREFIX, _DOSE_PREFIX = "third_drug:", "third_dose:"
#: Column of :func:`prepare_blocks`' table: whether any response of the whole table is beyond
#: ±FRACTION_LIMIT (then a quiet block is inactive, not given in fractions).
_TABLE_IN_PERCENT = "__table_in_percent"
_BLANK = {"", "na", "n/a", "nan", "none", "null", "-"}


class BlockError(Exception):
    """A block cannot be scored; the message is the reason."""


@dataclass
class Block:
    """One block after the data checks of :func:`check_block`.

    Attributes
    ----------
    data : pandas.DataFrame
        Its wells with a finite response.
    dropped : pandas.DataFrame
        Its wells whose response was NaN or infinite (left out).
    names : dict
        ``drug_row`` and ``drug_col`` names ("" when not given).
    flags : list of str
        What the checks noticed but did not refuse (left-out wells, doubtful units).
    """

    data: pd.DataFrame
    dropped: pd.DataFrame
    names: dict[str, Any]
    flags: list[str]


def prepare_blocks(blocks: pd.DataFrame, response: str, columns: Mapping[str, str] | None) -> pd.DataFrame:
    """The input with our column names, numeric doses/responses and responses in inhibition.

    Unmapped columns that look like a third drug's name or dose (``drug3``, ``conc3``, ...) are
    kept too, under a prefix, for :func:`check_block` to refuse the blocks they are used in.
    """
    if not isinstance(blocks, pd.DataFrame):
        raise InputError(f"blocks must be a pandas DataFrame, not {type(blocks).__name__}")
    if not isinstance(response, str) or response not in RESPONSES:
        raise InputError(f"response must be 'inhibition' or 'viability', not {response!r}")
    if columns is not None and not isinstance(columns, Mapping):
        raise InputError(
            f"columns must be a mapping of our names to the table's, not {type(columns).__name__}"
        )
    mapping = dict(columns or {})
    unknown = set(mapping) - set(COLUMNS)
    if unknown:
        raise InputError(f"columns= maps unknown names {sorted(unknown)}; known: {list(COLUMNS)}")
    for ours, alias in ALIASES.items():
        if ours not in mapping and ours not in blocks.columns and alias in blocks.columns:
            mapping[ours] = alias
    out = pd.DataFrame(index=pd.RangeIndex(len(blocks)))
    for ours in COLUMNS:
        theirs = mapping.get(ours, ours)
        if theirs not in blocks.columns:
            hint = f" (mapped from {ours!r})" if theirs != ours else ""
            raise InputError(f"blocks has no column {theirs!r}{hint}; pass columns={{{ours!r}: 'name'}}")
        out[ours] = blocks[theirs].to_numpy()
    for col in ("conc_row", "conc_col", "response"):
        out[col] = pd.to_numeric(out[col], errors="coerce").astype(np.float64)
    given = out["response"].to_numpy()
    finite = given[np.isfinite(given)]
    # fractions are told apart from an inactive block by the whole table: a screen in percent
    # has some block beyond ±FRACTION_LIMIT, one in fractions has none
    out[_TABLE_IN_PERCENT] = bool(finite.size == 0 or np.abs(finite).max() > FRACTION_LIMIT)
    if response == "viability":
        out["response"] = 100.0 - out["response"]
    used = {mapping.get(ours, ours) for ours in COLUMNS}
    for name in blocks.columns:
        if not isinstance(name, str) or name in used or "unit" in name.lower():
            continue
        if _THIRD_DRUG.fullmatch(name.strip()):
            out[_DRUG_PREFIX + name] = blocks[name].to_numpy()
        elif _THIRD_DOSE.fullmatch(name.strip()):
            dose = pd.to_numeric(blocks[name], errors="coerce")
            if dose.notna().any():
                out[_DOSE_PREFIX + name] = dose.to_numpy(dtype=np.float64)
    return out


def check_block(df: pd.DataFrame, response: str) -> Block:
    """The checks every block passes before :func:`~drugscreen.combos.synergy` or
    :func:`~drugscreen.combos.musyc` use it (module docstring).

    ``df`` is one block of :func:`prepare_blocks`' table, ``response`` the kind its responses
    were given as. Raises :class:`BlockError` with the reason when the block cannot be used.
    """
    names = {}
    for role in ("drug_row", "drug_col"):
        uniq = df[role].dropna().unique()
        if len(uniq) > 1:
            raise BlockError(
                f"{role} names {len(uniq)} drugs ({', '.join(map(str, uniq[:3]))}): more than two "
                "drugs in one block (a 3-drug table, or two blocks under one block_id?)"
            )
        names[role] = uniq[0] if len(uniq) else ""
    _check_third_drug(df, names)
    for col in ("conc_row", "conc_col"):
        n_bad = int((~np.isfinite(df[col].to_numpy())).sum())
        if n_bad:
            raise BlockError(f"{col} has {n_bad} missing, infinite or non-numeric values")
        if (df[col] < 0).any():
            raise BlockError(f"{col} has negative concentrations")
    finite = np.isfinite(df["response"].to_numpy())
    flags = []
    if not finite.all():
        n_bad = int((~finite).sum())
        if not finite.any():
            raise BlockError(f"response has {n_bad} NaN or infinite values and no measured well")
        flags.append(f"{n_bad} NaN or infinite responses left out")
    data = df[finite]
    in_percent = bool(df[_TABLE_IN_PERCENT].iloc[0]) if _TABLE_IN_PERCENT in df else False
    flags += _check_units(data, response, in_percent)
    return Block(data, df[~finite], names, flags)


def _few(values: Any) -> str:
    return ", ".join(f"{v:g}" if isinstance(v, float) else str(v) for v in list(values)[:3]) + (
        ", ..." if len(values) > 3 else ""
    )


def _check_third_drug(df: pd.DataFrame, names: Mapping[str, Any]) -> None:
    """Refuse a block of a 3-drug table (the copies :func:`prepare_blocks` made of its columns)."""
    dose_columns = [col for col in df.columns if col.startswith(_DOSE_PREFIX)]
    dosed = False
    for col in dose_columns:
        x = df[col].to_numpy(dtype=np.float64)
        ok = np.isfinite(x)
        dosed |= bool((x[ok] != 0).any())
        pairs = pd.DataFrame({"r": df["conc_row"].to_numpy(), "c": df["conc_col"].to_numpy(), "x": x})[ok]
        if len(pairs) and pairs.groupby(["r", "c"], dropna=False)["x"].nunique().max() > 1:
            values = np.unique(x[ok])
            raise BlockError(
                f"column {col[len(_DOSE_PREFIX) :]!r} takes {values.size} values ({_few(values)}) at the "
                "same conc_row and conc_col: a third drug's dose (a 3-drug table)? Its wells would be "
                "averaged as replicates; only two-drug blocks are scored"
            )
    for col in df.columns:
        if not col.startswith(_DRUG_PREFIX):
            continue
        named = [
            v
            for v in pd.unique(df[col].dropna())
            if str(v).strip().lower() not in _BLANK and v not in (names["drug_row"], names["drug_col"])
        ]
        if named and (dosed or not dose_columns):
            raise BlockError(
                f"column {col[len(_DRUG_PREFIX) :]!r} names a third drug ({_few(named)}): a 3-drug "
                "block; only two-drug blocks are scored"
            )


def _check_units(data: pd.DataFrame, response: str, table_in_percent: bool = False) -> list[str]:
    """Refuse responses that cannot be percent of ``response``; flag doubtful ones.

    A block whose every response lies within ±``FRACTION_LIMIT`` is refused as fractions only
    when the whole table is (``table_in_percent`` False); in a table with larger responses
    elsewhere it is an inactive block, scored and flagged.
    """
    y = data["response"].to_numpy(dtype=np.float64)  # percent inhibition
    if not y.size:
        return []
    raw = y if response == "inhibition" else 100.0 - y  # as given
    seen = f"from {raw.min():.3g} to {raw.max():.3g}"
    if np.abs(raw).max() <= FRACTION_LIMIT and table_in_percent:
        return [f"every response within ±{FRACTION_LIMIT:g} % {response}: an inactive block"]
    if np.abs(raw).max() <= FRACTION_LIMIT:
        raise BlockError(
            f"every response lies within ±{FRACTION_LIMIT:g} ({seen}): fractions rather than percent "
            f"{response}? Multiply them by 100"
        )
    if y.min() > 100.0:
        raise BlockError(
            f"every response is beyond full effect ({seen} % {response}), the untreated wells too: "
            f"not percent {response} (a raw signal, another unit)?"
        )
    lo, hi = E_BOUNDS  # the same range either way: 100 - [-100, 200] = [-100, 200]
    n_out = int(((raw < lo) | (raw > hi)).sum())
    if n_out > OUTSIDE_SHARE * raw.size:
        raise BlockError(
            f"{n_out} of {raw.size} responses outside the plausible {lo:g}..{hi:g} % {response} "
            f"({seen}): not percent {response} (a raw signal, another unit)?"
        )
    flags = [f"{n_out} responses outside {lo:g}..{hi:g} % {response}"] if n_out else []
    means = data.groupby(["conc_row", "conc_col"])["response"].mean()
    try:
        single_row = means.xs(0.0, level="conc_col")  # sorted by dose
        single_col = means.xs(0.0, level="conc_row")
        control = float(single_row.loc[0.0])
    except KeyError:
        return flags  # no untreated well: nothing to compare with
    if single_row.index[-1] > 0 and single_col.index[-1] > 0:
        changes = (float(single_row.iloc[-1]) - control, float(single_col.iloc[-1]) - control)
        if min(changes) < -FALL_POINTS and max(changes) <= FALL_POINTS:
            other = "viability" if response == "inhibition" else "inhibition"
            tops = [control + d if response == "inhibition" else 100.0 - control - d for d in changes]
            untreated = control if response == "inhibition" else 100.0 - control
            flags.append(
                f"single-drug responses {'fall' if response == 'inhibition' else 'rise'} with dose "
                f"(untreated {untreated:.3g}, top doses {tops[0]:.3g} and {tops[1]:.3g} % {response}): "
                f"{other} given as {response}? (response={other!r}; the excess has the wrong sign)"
            )
    return flags


def log_flags(what: str, flagged: Sequence[tuple[Any, Sequence[str]]], total: int) -> None:
    """One warning per flagged block (the first five), then a count."""
    for block_id, flags in flagged[:5]:
        logger.warning("%s: block %s: %s", what, block_id, "; ".join(flags))
    if len(flagged) > 5:
        logger.warning(
            "%s: %d more of %d blocks flagged (see the flag column)", what, len(flagged) - 5, total
        )
