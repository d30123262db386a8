"""Exceptions raised by drugscreen. All derive from :class:`DrugscreenError`."""


class DrugscreenError(Exception):
    """Base class of every error drugscreen raises on purpose."""


class SpecError(DrugscreenError, ValueError):
    """A fingerprint spec is invalid, or two specs that must match do not."""


class InputError(DrugscreenError, ValueError):
    """Input data is unusable as a whole (missing file or column, unknown format)."""


class MoleculeError(DrugscreenError, ValueError):
    """One or more molecules could not be parsed and the caller asked to fail on that."""


class DatabaseError(DrugscreenError):
    """A fingerprint database is missing, corrupted, or inconsistent with its manifest."""
