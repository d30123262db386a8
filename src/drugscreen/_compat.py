"""Module paths of drugscreen 0.1 (a flat package), kept importable after the move into subpackages.

``import drugscreen.db`` (or a pickle that names ``drugscreen.spec.FingerprintSpec``) gets the
module at its new place, with a DeprecationWarning. Nothing is imported until an old name is.
"""

from __future__ import annotations

import importlib
import importlib.abc
import importlib.machinery
import importlib.util
import sys
import warnings
from types import ModuleType

MOVED = {
    "drugscreen.db": "drugscreen.similarity.db",
    "drugscreen.io": "drugscreen.chem.io",
    "drugscreen.spec": "drugscreen.chem.spec",
    "drugscreen.fingerprints": "drugscreen.chem.fingerprints",
    "drugscreen.fpfile": "drugscreen.chem.fpfile",
    "drugscreen.parallel": "drugscreen.backends.parallel",
    "drugscreen.demo": "drugscreen.screen.demo",
}


#: Names that 0.1 defined in a module and that now live in another one as well (kept here, not
#: as a lazy ``__getattr__`` in the new module, which made the two modules import each other).
SPLIT = {
    "drugscreen.chem.io": ("drugscreen.chem.parse",),  # MolRecord, parse_record, read_molecules
    "drugscreen.chem.fingerprints": ("drugscreen.chem.transformer",),  # Fingerprinter
}


class _Merged(ModuleType):
    """An old module path whose names are found in several new modules, in order."""

    def __init__(self, name: str, modules: list[ModuleType]) -> None:
        super().__init__(name)
        self._modules = modules

    def __getattr__(self, attr: str) -> object:
        for module in self.__dict__.get("_modules", ()):
            if hasattr(module, attr):
                return getattr(module, attr)
        raise AttributeError(f"module {self.__name__!r} has no attribute {attr!r}")


class _MovedModules(importlib.abc.MetaPathFinder, importlib.abc.Loader):
    def find_spec(
        self, fullname: str, path: object = None, target: object = None
    ) -> importlib.machinery.ModuleSpec | None:
        if fullname in MOVED:
            return importlib.util.spec_from_loader(fullname, self)
        return None

    def create_module(self, spec: importlib.machinery.ModuleSpec) -> ModuleType:
        new = MOVED[spec.name]
        warnings.warn(f"{spec.name} is now {new}; import it from there", DeprecationWarning, stacklevel=3)
        module = importlib.import_module(new)
        if new not in SPLIT:
            return module
        return _Merged(spec.name, [module, *(importlib.import_module(m) for m in SPLIT[new])])

    def exec_module(self, module: ModuleType) -> None:
        """The module is already executed at its new place."""


def install() -> None:
    if not any(isinstance(f, _MovedModules) for f in sys.meta_path):
        sys.meta_path.append(_MovedModules())
