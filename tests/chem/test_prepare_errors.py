"""A later step's per-record error is kept in the prepared table, not dropped."""

from __future__ import annotations

import numpy as np
import pandas as pd

from drugscreen.chem.prepare import _keep_errors


def test_later_errors_land_in_the_error_column():
    # object columns with None, as prepare_library makes them
    table = pd.DataFrame(
        {
            "smiles": pd.Series(["CCO", None, "CCN", "C[X]"], dtype=object),
            "error": pd.Series([None, "unparseable SMILES", None, None], dtype=object),
        }
    )
    ok = np.array([True, False, True, True])
    _keep_errors(table, ok, pd.Series([None, None, "valence error"], dtype=object))
    assert table["error"].tolist() == [None, "unparseable SMILES", None, "valence error"]
    _keep_errors(table, ok, pd.Series([None, None, None], dtype=object))  # nothing to copy
    assert table["error"].tolist() == [None, "unparseable SMILES", None, "valence error"]
