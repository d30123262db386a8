"""Issue 21: property tests for the index arithmetic of models/, screen/ and combos/ (the
training batcher's are in tests/models/test_training_reliability.py): for any sizes, every row
lands exactly once where it should."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from drugscreen.errors import InputError

fractions = st.tuples(st.integers(0, 10), st.integers(0, 10), st.integers(0, 10)).filter(lambda t: t[0] > 0)


@given(n=st.integers(1, 400), parts=fractions, seed=st.integers(0, 2**31 - 1))
def test_random_split_partitions_every_row_once(n, parts, seed):
    from drugscreen.models.splits import random_split

    total = sum(parts)
    sizes = tuple(p / total for p in parts)
    try:
        split = random_split(n, sizes, seed=seed)
    except InputError:
        # only when a set with a share got no row at this n
        assert any(f > 0 and int(np.floor(f * n)) == 0 for f in sizes)
        return
    rows = np.concatenate([split.train, split.val, split.test])
    np.testing.assert_array_equal(np.sort(rows), np.arange(n))
    for got, frac in zip(split.sizes, sizes, strict=True):
        assert got >= int(np.floor(frac * n))  # each set at least its floor share (rest: the last)


@given(y=st.lists(st.integers(0, 3), min_size=3, max_size=200), seed=st.integers(0, 1000))
def test_stratified_split_partitions_every_row_once(y, seed):
    from drugscreen.models.splits import stratified_split

    try:
        split = stratified_split(np.asarray(y), (0.6, 0.2, 0.2), seed=seed)
    except InputError:
        return
    rows = np.concatenate([split.train, split.val, split.test])
    np.testing.assert_array_equal(np.sort(rows), np.arange(len(y)))
    # set sizes exactly those of a random split of as many rows (the proportions per class are
    # floor/ceil shares, then rare classes may borrow a place: tested in tests/models/test_splits.py)
    from drugscreen.models.splits import _targets

    assert list(split.sizes) == _targets(len(y), (0.6, 0.2, 0.2))


hits_strategy = st.lists(
    st.tuples(st.integers(0, 3), st.integers(0, 50), st.sampled_from([0.1, 0.25, 0.5, 0.75, 1.0])),
    max_size=60,
)


@settings(max_examples=60, deadline=None)
@given(chunks=st.lists(hits_strategy, min_size=1, max_size=5), k=st.integers(1, 6))
def test_chunked_top_k_equals_the_top_k_of_everything(chunks, k):
    """The screening job's running top-k merge, chunk by chunk, equals one top-k of all hits:
    score descending, then row ascending, per query (rows unique within the library)."""
    from drugscreen.screen.pipeline import _merge_top_k

    seen: set[tuple[int, int]] = set()
    tables = []
    for chunk in chunks:
        rows = [(q, r, s) for q, r, s in chunk if (q, r) not in seen and not seen.add((q, r))]
        tables.append(
            pd.DataFrame(rows, columns=["query_index", "row", "score"]).assign(query="q", id="i", smiles="C")
        )
    merged = None
    for table in tables:
        merged = _merge_top_k(merged, table, k)
    everything = pd.concat(tables, ignore_index=True)
    expected = (
        everything.sort_values(["query_index", "score", "row"], ascending=[True, False, True])
        .groupby("query_index")
        .head(k)
    )
    assert merged is not None
    got = merged[["query_index", "row", "score"]].to_numpy().tolist()
    assert got == expected[["query_index", "row", "score"]].to_numpy().tolist()


@given(kind=st.sampled_from(["hits", "rejects", "topk", "predictions"]), chunk=st.integers(0, 999_999))
def test_part_names_round_trip(tmp_path_factory, kind, chunk):
    from drugscreen.screen.job import _PART_NAME, JobDirectory

    name = f"{kind}-{chunk:06d}.parquet"
    match = _PART_NAME.fullmatch(name)
    assert match and int(match["chunk"]) == chunk and match["kind"] == kind and not match["tmp"]
    tmp = _PART_NAME.fullmatch(f".{name}.tmp-4242")
    assert tmp and tmp["tmp"] and int(tmp["chunk"]) == chunk
    job = JobDirectory.__new__(JobDirectory)  # the naming only: no directory, no lock
    job.path = tmp_path_factory.getbasetemp()
    assert JobDirectory.chunk_of(job.part(kind, chunk)) == chunk
    for foreign in (f"{kind}-{chunk}.parquet", f"{name}.bak", f".{name}", f"x{name}"):
        assert _PART_NAME.fullmatch(foreign) is None or foreign == name


@settings(max_examples=25, deadline=None)
@given(seed=st.integers(0, 2**31 - 1))
def test_synergy_does_not_depend_on_row_order(seed):
    """The dose grid of a block is found from the doses, not from the table's order: shuffled
    rows score the same, cell by cell."""
    from drugscreen.combos.synergy import synergy
    from drugscreen.screen.toy_data import toy_blocks

    blocks = toy_blocks()
    shuffled = blocks.sample(frac=1.0, random_state=seed).reset_index(drop=True)
    assume(not shuffled.equals(blocks))
    a = synergy(blocks, n_jobs=1).surface.sort_values(["block_id", "model", "conc_row", "conc_col"])
    b = synergy(shuffled, n_jobs=1).surface.sort_values(["block_id", "model", "conc_row", "conc_col"])
    pd.testing.assert_frame_equal(a.reset_index(drop=True), b.reset_index(drop=True))


@pytest.mark.parametrize("n", [0, 1])
def test_tiny_splits_are_clear_errors(n):
    from drugscreen.models.splits import random_split

    with pytest.raises(InputError):
        random_split(n)
