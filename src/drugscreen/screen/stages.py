"""Stages of a screening job: functions from one chunk table to the next.

A screening job (:func:`drugscreen.screen.pipeline.screen`) reads the library in chunks of
records. The first stage, fingerprinting, runs in worker processes and turns each chunk into a
:class:`ChunkTable`; every later stage takes that table and returns a new one in the main
process, in order. A stage may drop molecules (a filter), add columns (a property model's
predictions) or turn molecules into hits (the similarity search, the last stage):

>>> class HeavyAtomLimit:
...     name = "heavy_atom_limit"
...     def __init__(self, limit):
...         self.limit = limit
...     def config(self):
...         return {"limit": self.limit}
...     def process(self, table):
...         from rdkit import Chem
...         keep = [Chem.MolFromSmiles(s).GetNumHeavyAtoms() <= self.limit
...                 for s in table.molecules["smiles"]]
...         return table.select(keep)

``config()`` must describe everything that changes the stage's output: it is stored with the
job, and a rerun whose stages describe themselves differently is refused instead of resumed.
A stage must be deterministic (the same chunk gives the same table), so that a job killed and
resumed writes exactly what an uninterrupted one does.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any, Protocol, runtime_checkable

import numpy as np
import numpy.typing as npt
import pandas as pd

from drugscreen.backends.parallel import Backend
from drugscreen.chem.fingerprints import FingerprintArray
from drugscreen.similarity.dispatch import run_search
from drugscreen.similarity.params import SearchParams
from drugscreen.similarity.segment import Segment

#: Columns of every hits table a job writes (``query_index``: the query's position, which
#: orders the table and stays unique when labels repeat).
HIT_COLUMNS = ["query", "query_index", "id", "row", "score", "smiles"]


@dataclass(frozen=True)
class ChunkTable:
    """One chunk of the library as it passes through the stages.

    Attributes
    ----------
    index : int
        Chunk number (0-based); chunk ``i`` holds records ``i * chunk_size`` onwards.
    molecules : pandas.DataFrame
        ``row`` (record number in the library, unique), ``id``, ``smiles`` of the molecules
        still in the job, plus any columns earlier stages added.
    fingerprints : FingerprintArray
        One fingerprint per row of ``molecules``, in the same order.
    hits : pandas.DataFrame or None
        Set by the search stage: ``query, query_index, id, row, score, smiles``.
    """

    index: int
    molecules: pd.DataFrame
    fingerprints: FingerprintArray
    hits: pd.DataFrame | None = None

    def select(self, keep: npt.ArrayLike) -> ChunkTable:
        """The table with only the molecules where ``keep`` (a boolean mask) is true."""
        mask = np.asarray(keep, dtype=bool)
        if mask.shape != (len(self.molecules),):
            raise ValueError(f"a stage's mask has {mask.size} entries for {len(self.molecules)} molecules")
        positions = np.flatnonzero(mask)
        return replace(
            self,
            molecules=self.molecules.iloc[positions].reset_index(drop=True),
            fingerprints=self.fingerprints.take(positions),
        )


@runtime_checkable
class Stage(Protocol):
    """What a job needs of a stage (see the module docstring for an example)."""

    name: str

    def config(self) -> dict[str, Any]:
        """Everything that changes the stage's output (JSON-serialisable)."""
        ...

    def process(self, table: ChunkTable) -> ChunkTable:
        """The chunk table after this stage."""
        ...


class SearchStage:
    """The similarity search of each chunk against the job's queries (the last stage).

    Rows of the hits are record numbers of the library, so the tie rule (score descending,
    then row ascending) is the one a database of the whole library would apply, and top-k
    results of chunks merge exactly.
    """

    name = "search"

    def __init__(
        self,
        queries: FingerprintArray,
        query_ids: list[str],
        params: SearchParams,
        backend: Backend,
    ):
        params.check_spec(queries.spec)
        self.queries = queries
        self.query_ids = np.asarray(query_ids, dtype=object)
        self.params = params
        self.backend = backend

    def config(self) -> dict[str, Any]:
        p = self.params
        config = {"metric": p.metric, "threshold": p.threshold, "k": p.k, "alpha": p.alpha, "beta": p.beta}
        if p.fusion is not None:  # absent otherwise, so that jobs written before fusion still resume
            config["fusion"] = p.fusion
        return config

    def process(self, table: ChunkTable) -> ChunkTable:
        mols = table.molecules
        seg = Segment.from_array(table.fingerprints)
        position = seg.rows  # position in the chunk of each popcount-sorted row
        seg.rows = mols["row"].to_numpy(np.int64)[position]
        q, rows, scores = run_search(self.queries, [seg], self.params, self.backend)
        # a stage may reorder molecules, so hits are mapped back through the row numbers
        index = pd.Index(mols["row"].to_numpy(np.int64))
        if not index.is_unique:
            raise ValueError(f"chunk {table.index}: a stage left molecules with the same row number")
        at = index.get_indexer(rows)
        hits = pd.DataFrame(
            {
                "query": self.query_ids[q],
                "query_index": q,
                "id": mols["id"].to_numpy(object)[at],
                "row": rows,
                "score": scores,
                "smiles": mols["smiles"].to_numpy(object)[at],
            }
        )
        for column in mols.columns:  # what earlier stages added (predictions) goes with the hits
            if column not in ("row", "id", "smiles"):
                hits[column] = mols[column].to_numpy()[at]
        return replace(table, hits=hits)
