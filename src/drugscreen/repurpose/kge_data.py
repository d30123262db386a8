"""Triples in, ids out: the checks and encodings behind :class:`~drugscreen.repurpose.KGEmbedding`.

A triple table (``head``, ``relation``, ``tail`` labels of any kind) or an ``[n, 3]`` int array
becomes an int64 id array; entities and relations keep their labels in a :class:`pandas.Index`
whose order is the embedding tables' row order. No torch here.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from drugscreen.errors import InputError
from drugscreen.validate import check_number

#: Columns of a triple table.
TRIPLE_COLUMNS = ("head", "relation", "tail")

Kinds = Mapping[Any, str] | pd.Series | np.ndarray


@dataclass(frozen=True)
class Encoded:
    """Training triples as ids, with the labels and kinds behind them."""

    ids: np.ndarray
    entities: pd.Index
    relations: pd.Index
    kinds: pd.Series | None
    kind_codes: np.ndarray


def _check_columns(triples: pd.DataFrame, name: str) -> None:
    missing = [c for c in TRIPLE_COLUMNS if c not in triples.columns]
    if missing:
        raise InputError(f"{name}: no {missing[0]!r} column (columns: {list(triples.columns)})")


def encode_training(
    triples: pd.DataFrame | np.ndarray,
    entity_kinds: Kinds | None,
    n_entities: int | None,
    n_relations: int | None,
) -> Encoded:
    """Check and encode training triples (see :meth:`KGEmbedding.fit` for the forms taken)."""
    if isinstance(triples, pd.DataFrame):
        _check_columns(triples, "triples")
        if triples.empty:
            raise InputError("triples: the table has no rows")
        if triples[list(TRIPLE_COLUMNS)].isna().to_numpy().any():
            raise InputError("triples: a head, relation or tail is missing (NaN)")
        if entity_kinds is not None:
            entities = pd.Index(pd.Series(entity_kinds).index).unique()
        else:
            entities = pd.Index(pd.unique(np.concatenate([triples["head"], triples["tail"]])))
        relations = pd.Index(pd.unique(triples["relation"]))
        ids = np.column_stack(
            [entities.get_indexer(pd.Index(triples["head"])),
             relations.get_indexer(pd.Index(triples["relation"])),
             entities.get_indexer(pd.Index(triples["tail"]))]
        ).astype(np.int64)  # fmt: skip
        if (ids < 0).any():
            row = int(np.argmax((ids < 0).any(axis=1)))
            raise InputError(f"triples: row {row} names an entity that entity_kinds gives no kind")
    else:
        ids = np.asarray(triples)
        if ids.ndim != 2 or ids.shape[1] != 3 or not np.issubdtype(ids.dtype, np.integer) or not len(ids):
            raise InputError(
                f"triples must be a DataFrame or an int array [n, 3], got {ids.dtype} {ids.shape}"
            )
        ids = ids.astype(np.int64)
        if ids.min() < 0:
            raise InputError("triples: ids must be >= 0")
        seen_entities, seen_relations = int(ids[:, [0, 2]].max()) + 1, int(ids[:, 1].max()) + 1
        n_ent = seen_entities if n_entities is None else n_entities
        n_rel = seen_relations if n_relations is None else n_relations
        n_ent = check_number("n_entities", n_ent, low=seen_entities, integer=True)
        n_rel = check_number("n_relations", n_rel, low=seen_relations, integer=True)
        entities, relations = pd.RangeIndex(n_ent), pd.RangeIndex(n_rel)
    if entity_kinds is None:
        return Encoded(ids, entities, relations, None, np.zeros(len(entities), dtype=np.int64))
    if isinstance(entity_kinds, Mapping | pd.Series):
        kinds = pd.Series(entity_kinds)
        kinds = kinds[~kinds.index.duplicated()].reindex(entities)
    else:
        kinds = pd.Series(np.asarray(entity_kinds, dtype=object), dtype=object)
        if len(kinds) != len(entities):
            raise InputError(f"entity_kinds: {len(kinds)} kinds for {len(entities)} entities")
        kinds.index = entities
    if kinds.isna().any():
        raise InputError(f"entity_kinds: no kind for entity {kinds.index[kinds.isna()][0]!r}")
    kinds = kinds.astype(str).rename("kind")
    codes, _ = pd.factorize(kinds)
    return Encoded(ids, entities, relations, kinds, codes.astype(np.int64))


def positions(index: pd.Index, labels: Any, what: str) -> np.ndarray:
    """Rows of ``labels`` in ``index``; an unknown label is an error naming it."""
    values = np.atleast_1d(np.asarray(labels, dtype=object if index.dtype == object else None))
    found = index.get_indexer(pd.Index(values))
    if (found < 0).any():
        raise InputError(f"unknown {what} {values[found < 0].tolist()[0]!r} (not in the training triples)")
    return found.astype(np.int64)


def encode(
    triples: pd.DataFrame | np.ndarray, entities: pd.Index, relations: pd.Index, name: str
) -> np.ndarray:
    """Triples in the form a model was fitted on as id rows (labels for a table, ids for an array)."""
    if isinstance(triples, pd.DataFrame):
        _check_columns(triples, name)
        return np.column_stack(
            [positions(entities, triples["head"].to_numpy(), "entity"),
             positions(relations, triples["relation"].to_numpy(), "relation"),
             positions(entities, triples["tail"].to_numpy(), "entity")]
        ).reshape(-1, 3)  # fmt: skip
    array = np.asarray(triples)
    if isinstance(entities, pd.RangeIndex) and np.issubdtype(array.dtype, np.integer):
        return array.reshape(-1, 3).astype(np.int64)
    raise InputError(f"{name} must be a DataFrame with head, relation, tail columns")
