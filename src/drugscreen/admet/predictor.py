"""``predict``: the panel's table for any list or file of molecules.

One row per input record, in order; a record that cannot be read keeps its row, with the reason
in ``error`` and NaN elsewhere. Per endpoint ``<name>`` (probability for binary endpoints, the
value in the endpoint's units for regression) come ``<name>_std`` (spread of the five fold models,
same units), for regression ``<name>_lo`` / ``<name>_hi`` (90 % split-conformal interval from the
cross-validation residuals), ``<name>_ad`` (Tanimoto similarity of the nearest training
molecule), ``<name>_ood`` (``True`` below the endpoint's calibrated threshold) and ``<name>_pct``
(percentile among approved drugs). Also the physicochemical columns (``mw``, ``clogp``, ``tpsa``,
``hba``, ``hbd``, ``rotatable_bonds``, ``fsp3``, ``qed``, ``stereocentres``,
``lipinski_violations``, each with ``_pct``) and ``alerts`` (PAINS, Brenk and NIH matches).
"""

from __future__ import annotations

import copy
import hashlib
import json
import logging
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from drugscreen.admet import panel_files
from drugscreen.admet.endpoints import ENDPOINTS
from drugscreen.admet.features import PHYSCHEM, PanelFeatures, descriptor_names, featurize
from drugscreen.admet.reference import percentiles, reference_columns, sorted_reference
from drugscreen.errors import InputError
from drugscreen.validate import check_n_jobs

logger = logging.getLogger("drugscreen")


def endpoint_table() -> pd.DataFrame:
    """Every endpoint of the panel with its task, units, metric and cross-validated figure.

    Returns
    -------
    pandas.DataFrame
        One row per endpoint: ``endpoint``, ``task``, ``units``, ``high_means``, ``metric``,
        ``cv_metric``, ``cv_sd``, ``training_rows``, ``model``.
    """
    all_cards = panel_files.cards()
    rows = []
    for name, e in ENDPOINTS.items():
        card = all_cards[name]
        rows.append(
            {
                "endpoint": name,
                "task": e.task,
                "units": e.units,
                "high_means": e.high_means,
                "metric": e.metric,
                "cv_metric": card["cv_metric"],
                "cv_sd": card["cv_sd"],
                "training_rows": card["training_rows"],
                "model": card["model"],
            }
        )
    return pd.DataFrame(rows)


def model_card(endpoint: str) -> dict[str, Any]:
    """The model card of one endpoint (a copy): data, CV figures of every candidate, domain,
    interval, citation and licence."""
    if not isinstance(endpoint, str):
        raise InputError(f"an endpoint is named by a string, not {endpoint!r}")
    _check_names([endpoint])
    return copy.deepcopy(panel_files.cards()[endpoint])


def _check_names(names: Sequence[str]) -> list[str]:
    bad = [n for n in names if n not in ENDPOINTS]
    if bad:
        raise InputError(
            f"unknown endpoint(s) {bad}: ds.admet.endpoint_table() lists the {len(ENDPOINTS)} endpoints"
        )
    return list(dict.fromkeys(names))


def resolve_endpoints(chosen: str | Sequence[str] | None) -> list[str]:
    """Endpoint names from a list or a comma-separated string (default all), checked."""
    if chosen is None:
        return list(ENDPOINTS)
    if isinstance(chosen, str):
        names = [p.strip() for p in chosen.split(",") if p.strip()]
    elif isinstance(chosen, list | tuple) and all(isinstance(n, str) for n in chosen):
        names = list(chosen)
    else:
        raise InputError(f"endpoints must be a list of names or a comma-separated string, not {chosen!r}")
    if not names:
        raise InputError("no endpoint named: pass endpoints=None for all of them")
    return _check_names(names)


def _check_features(panel_dir: Path) -> None:
    built = panel_files.manifest(panel_dir)["descriptors"]
    if list(built) != list(descriptor_names()):
        raise InputError(
            "this RDKit's descriptor list differs from the one the ADMET panel was built with "
            f"(RDKit {panel_files.manifest(panel_dir)['built_with']['rdkit']}); install that RDKit version"
        )


def _endpoint_columns(
    name: str, X: np.ndarray, valid: np.ndarray, threads: int, panel_dir: Path
) -> dict[str, np.ndarray]:
    """``<name>``, ``_std`` and (regression) ``_lo`` / ``_hi``; ``X`` holds the features of
    the ``valid`` rows only."""
    from drugscreen.admet.training import from_model_space

    endpoint = ENDPOINTS[name]
    n = len(valid)
    out = {name: np.full(n, np.nan), f"{name}_std": np.full(n, np.nan)}
    if endpoint.task == "regression":
        out[f"{name}_lo"] = np.full(n, np.nan)
        out[f"{name}_hi"] = np.full(n, np.nan)
    if not valid.any():
        return out
    from drugscreen.backends.parallel import numba_threads

    with numba_threads(threads):
        raw = panel_files.members(name, panel_dir).predict(X).T  # [members, rows]
    mean = raw.mean(axis=0)
    out[name][valid] = from_model_space(endpoint, mean)
    out[f"{name}_std"][valid] = from_model_space(endpoint, raw).std(axis=0)
    if endpoint.task == "regression":
        q = panel_files.cards(panel_dir)[name]["interval"]["halfwidth"]
        out[f"{name}_lo"][valid] = from_model_space(endpoint, mean - q)
        out[f"{name}_hi"][valid] = from_model_space(endpoint, mean + q)
    return out


def _reference_values(reference: Any, names: list[str], panel_dir: Path, n_jobs: int | None) -> np.ndarray:
    """Sorted reference values of the ``reference_columns(names)``."""
    columns = reference_columns(names)
    if reference is None:
        shipped_columns, values = panel_files.reference(panel_dir)
        position = {c: i for i, c in enumerate(shipped_columns)}
        return values[:, [position[c] for c in columns]]
    table = predict(
        reference, names, percentiles=False, alerts=False, n_jobs=n_jobs, progress=False, panel_dir=panel_dir
    )
    if table["error"].notna().all():
        where = f" ({reference})" if isinstance(reference, str | Path) else ""
        raise InputError(f"no molecule of the reference{where} could be read: percentiles need at least one")
    return sorted_reference(table[columns].to_numpy(dtype=np.float64))


def predict(
    molecules: Any,
    endpoints: str | Sequence[str] | None = None,
    *,
    percentiles: bool = True,
    reference: Any = None,
    alerts: bool = True,
    n_jobs: int | None = -1,
    progress: bool = True,
    panel_dir: str | Path | None = None,
    **reader_kwargs: Any,
) -> pd.DataFrame:
    """Predict the ADMET panel for every molecule.

    Parameters
    ----------
    molecules : list of str, path or pandas.DataFrame
        SMILES strings, or anything :func:`drugscreen.standardize` reads (``.smi``, ``.csv``,
        ``.sdf``, ``.parquet``, optionally gzipped, or a DataFrame with a SMILES column).
    endpoints : str or list of str, optional
        Endpoint names (``ds.admet.endpoint_table()`` lists them), a list or a comma-separated
        string; default all 34.
    percentiles : bool
        Add ``<column>_pct``, the percent of the reference drugs predicted at or below.
    reference : list of str, path or DataFrame, optional
        Molecules to compute percentiles against instead of the shipped approved drugs
        (predicted by the same panel first).
    alerts : bool
        Add ``alerts``: the PAINS, Brenk and NIH entries that match, ``"family:name"``, ``;``-joined.
    n_jobs : int
        Worker processes for the features and threads for the models (-1 = all cores).
    progress : bool
        Show a progress bar (off a terminal it stays quiet).
    reader_kwargs
        ``smiles_column``, ``id_column``, ``id_property``, ``fmt`` of a file or DataFrame.

    Returns
    -------
    pandas.DataFrame
        ``row``, ``id``, ``smiles``, ``error``, the physicochemical columns, ``alerts``, then per
        endpoint ``<name>``, ``<name>_std``, (regression) ``<name>_lo``, ``<name>_hi``,
        ``<name>_ad``, ``<name>_ood``, and with ``percentiles`` the ``_pct`` columns.

    Examples
    --------
    >>> import drugscreen as ds
    >>> table = ds.admet.predict(["CCO", "not a smiles"], ["herg", "solubility_aqsoldb"], progress=False)
    >>> table["error"].tolist()
    [None, 'unparseable SMILES']
    >>> bool(0 <= table.loc[0, "herg"] <= 1), bool(table.loc[0, "solubility_aqsoldb"] > -2)
    (True, True)
    """
    panel = AdmetPanel(
        endpoints,
        percentiles=percentiles,
        reference=reference,
        alerts=alerts,
        n_jobs=n_jobs,
        progress=progress,
        panel_dir=panel_dir,
    )
    return panel.predict(molecules, **reader_kwargs)


class AdmetPanel:
    """The panel with its options fixed: what :func:`predict` and ``drugscreen admet`` use.

    Parameters are those of :func:`predict`. The reference is predicted (when one is given)
    once, here; ``predict_table`` is the interface of a property model, so the panel streams
    through :func:`drugscreen.screen.predict_library` like one.
    """

    def __init__(
        self,
        endpoints: str | Sequence[str] | None = None,
        *,
        percentiles: bool = True,
        reference: Any = None,
        alerts: bool = True,
        n_jobs: int | None = -1,
        progress: bool = True,
        panel_dir: str | Path | None = None,
    ) -> None:
        check_n_jobs(n_jobs)
        for flag, value in (("percentiles", percentiles), ("alerts", alerts)):
            if not isinstance(value, bool | np.bool_):
                raise InputError(f"{flag} must be True or False, not {value!r}")
        if reference is not None and not percentiles:
            raise InputError(
                "a reference is what percentiles are computed against: it needs percentiles=True"
            )
        self.endpoints = resolve_endpoints(endpoints)
        self.panel_dir = Path(panel_dir) if panel_dir is not None else panel_files.PANEL_DIR
        _check_features(self.panel_dir)
        self.alerts, self.n_jobs, self.progress = bool(alerts), n_jobs, progress
        self.percentiles = bool(percentiles)
        self.reference_ = (
            _reference_values(reference, self.endpoints, self.panel_dir, n_jobs) if percentiles else None
        )

    def job_digest(self) -> str:
        """sha256 of the panel files, the options and the reference: what decides the values."""
        ref = self.reference_
        h = hashlib.sha256(
            json.dumps(
                {
                    "files": panel_files.manifest(self.panel_dir).get("files", {}),
                    "endpoints": self.endpoints,
                    "alerts": self.alerts,
                    "percentiles": self.percentiles,
                },
                sort_keys=True,
            ).encode()
        )
        if ref is not None:
            h.update(np.ascontiguousarray(ref).tobytes())
        return h.hexdigest()

    def predict(self, molecules: Any, **reader_kwargs: Any) -> pd.DataFrame:
        """The panel's table for ``molecules`` (see :func:`predict`)."""
        records, feats = featurize(
            molecules, alerts=self.alerts, n_jobs=self.n_jobs, progress=self.progress, **reader_kwargs
        )
        table = pd.DataFrame(
            {
                "row": pd.Series([r.row for r in records], dtype="int64"),
                "id": pd.Series([r.id for r in records], dtype=object),
                "smiles": pd.Series([r.text if r.fmt == "smiles" else None for r in records], dtype=object),
                "error": pd.Series(feats.errors, dtype=object),
            }
        )
        return pd.concat([table, self._columns(feats)], axis=1)

    def predict_table(self, smiles: Sequence[str], ids: Sequence[str] | None = None) -> pd.DataFrame:
        """``id``, ``error`` and the panel's columns for SMILES (a property model's interface)."""
        _, feats = featurize(list(smiles), alerts=self.alerts, n_jobs=self.n_jobs, progress=False)
        table = pd.DataFrame(
            {
                "id": pd.Series(
                    list(ids) if ids is not None else [str(i) for i in range(len(smiles))], dtype=object
                ),
                "error": pd.Series(feats.errors, dtype=object),
            }
        )
        return pd.concat([table, self._columns(feats)], axis=1)

    def _columns(self, feats: PanelFeatures) -> pd.DataFrame:
        from drugscreen.admet.domain import nearest_per_set
        from drugscreen.backends.parallel import resolve_n_jobs

        names, pdir = self.endpoints, self.panel_dir
        threads = resolve_n_jobs(self.n_jobs)
        columns: dict[str, Any] = {c: feats.physchem[:, j] for j, c in enumerate(PHYSCHEM)}
        if self.alerts:
            columns["alerts"] = pd.Series(feats.alerts, dtype=object)
        order = panel_files.manifest(pdir)["endpoints"]
        fps, membership = panel_files.domain(pdir)
        valid = feats.valid
        similarity = np.full((len(valid), len(names)), np.nan)
        if valid.any():
            similarity[valid] = nearest_per_set(
                feats.domain[valid], fps, membership, [order.index(n) for n in names], n_jobs=self.n_jobs
            )
        all_cards = panel_files.cards(pdir)
        # one copy of the readable rows for every endpoint (not one per endpoint)
        X = feats.model if valid.all() else feats.model[valid]
        for j, name in enumerate(names):
            columns.update(_endpoint_columns(name, X, valid, threads, pdir))
            columns[f"{name}_ad"] = similarity[:, j]
            ood = pd.array(similarity[:, j] < all_cards[name]["domain"]["threshold"], dtype="boolean")
            ood[~valid] = pd.NA
            columns[f"{name}_ood"] = ood
        if self.reference_ is not None:
            pct_columns = reference_columns(names)
            values = np.column_stack([np.asarray(columns[c], dtype=np.float64) for c in pct_columns])
            for c, v in zip(pct_columns, percentiles(values, self.reference_).T, strict=True):
                columns[f"{c}_pct"] = v
        return pd.DataFrame(columns, index=pd.RangeIndex(len(valid)))
