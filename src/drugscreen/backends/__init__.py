"""Where work runs: ``n_jobs`` (joblib, numba threads) and the ``device`` switch."""
