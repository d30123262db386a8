"""scikit-learn transformer: SMILES (or RDKit molecules) -> fingerprints."""

from __future__ import annotations

from typing import Any

import numpy as np

from drugscreen.chem.fingerprints import fingerprint
from drugscreen.chem.spec import FingerprintSpec
from drugscreen.errors import SpecError


class Fingerprinter:
    """scikit-learn transformer: SMILES (or RDKit molecules) -> fingerprints.

    Parameters are those of :class:`FingerprintSpec` plus ``n_jobs`` and ``on_error``
    (see :func:`fingerprint`). ``transform`` returns the packed ``uint64`` array, or a CSR
    matrix for counts; use ``unpack=True`` for a 0/1 ``uint8[n, nbits]`` feature matrix that
    scikit-learn models can take directly.

    A whole :class:`FingerprintSpec` can be given instead of its fields, as ``spec=`` or as
    the first argument; its fields become the transformer's parameters (so ``get_params``,
    ``set_params`` and ``sklearn.base.clone`` see them as usual).

    Examples
    --------
    >>> Fingerprinter(kind="maccs").transform(["CCO"]).shape
    (1, 3)
    >>> Fingerprinter(spec=FingerprintSpec("morgan", radius=3, nbits=1024)).get_params()["radius"]
    3
    """

    def __init__(
        self,
        kind: str | FingerprintSpec = "morgan",
        radius: int = 2,
        nbits: int = 2048,
        counts: bool = False,
        chirality: bool = False,
        min_path: int = 1,
        max_path: int = 7,
        unpack: bool = False,
        n_jobs: int | None = 1,
        on_error: str = "raise",
        *,
        spec: FingerprintSpec | None = None,
    ):
        if isinstance(kind, FingerprintSpec):
            if spec is not None:
                raise SpecError("give the fingerprint spec once: as the first argument or as spec=")
            spec = kind
        if spec is not None:
            if not isinstance(spec, FingerprintSpec):
                raise SpecError(f"spec must be a FingerprintSpec, got {type(spec).__name__}")
            kind, radius, nbits, counts = spec.kind, spec.radius, spec.nbits, spec.counts
            chirality, min_path, max_path = spec.chirality, spec.min_path, spec.max_path
        self.kind = kind
        self.radius = radius
        self.nbits = nbits
        self.counts = counts
        self.chirality = chirality
        self.min_path = min_path
        self.max_path = max_path
        self.unpack = unpack
        self.n_jobs = n_jobs
        self.on_error = on_error

    @property
    def spec(self) -> FingerprintSpec:
        """The :class:`FingerprintSpec` these parameters describe."""
        from rdkit import __version__ as rdkit_version

        return FingerprintSpec(
            kind=str(self.kind),
            radius=self.radius,
            nbits=self.nbits,
            counts=self.counts,
            chirality=self.chirality,
            min_path=self.min_path,
            max_path=self.max_path,
            rdkit_version=rdkit_version,
        )

    def get_params(self, deep: bool = True) -> dict[str, Any]:
        names = (
            "kind",
            "radius",
            "nbits",
            "counts",
            "chirality",
            "min_path",
            "max_path",
            "unpack",
            "n_jobs",
            "on_error",
        )
        return {name: getattr(self, name) for name in names}

    def set_params(self, **params: Any) -> Fingerprinter:
        for name, value in params.items():
            if name not in self.get_params():
                raise ValueError(f"invalid parameter {name!r} for Fingerprinter")
            setattr(self, name, value)
        return self

    def fit(self, X: Any = None, y: Any = None) -> Fingerprinter:
        """Validate the parameters; nothing is learned."""
        self.spec_ = self.spec
        return self

    def transform(self, X: Any) -> Any:
        """Fingerprints of ``X`` (SMILES, molecules or a file path)."""
        spec = self.spec
        if isinstance(X, np.ndarray):
            X = X.ravel().tolist()
        elif hasattr(X, "tolist") and not isinstance(X, str):
            X = X.tolist()
        data = fingerprint(X, spec, n_jobs=self.n_jobs, on_error=self.on_error).data
        if self.unpack:
            if spec.counts:
                return data.toarray()
            return np.unpackbits(data.view(np.uint8), axis=1, bitorder="little")[:, : spec.nbits]
        return data

    def fit_transform(self, X: Any, y: Any = None) -> Any:
        return self.fit(X, y).transform(X)
