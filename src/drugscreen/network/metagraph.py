"""The schema of a heterogeneous network: node kinds, edge types (metaedges) and metapaths.

Abbreviations follow Hetionet: a node kind is written in capitals (``C`` Compound, ``G`` Gene,
``BP`` Biological Process), a relation in lower case (``b`` binds), so the metaedge
Compound–binds–Gene is ``CbG``. A directed metaedge carries an arrow: ``Gr>G`` (Gene regulates
Gene). A metapath is a walk over the metagraph written as one string: ``CbGaD``
(Compound–binds–Gene–associates–Disease), ``CrCtD``, ``CbG<rGaD`` (a regulates edge walked
against its direction).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from drugscreen.errors import InputError
from drugscreen.validate import check_number

_METAEDGE = re.compile(r"^([A-Z]+)(<?)([a-z]+)(>?)([A-Z]+)$")
_TOKEN = re.compile(r"[A-Z]+|<?[a-z]+>?")


#: Longest metapath enumerated (Himmelstein et al. 2017 used up to 4; 8 is already very costly).
MAX_METAPATH_LENGTH = 8


def check_lengths(max_length: object, min_length: object = 1) -> tuple[int, int]:
    """``(max_length, min_length)`` of a metapath enumeration, checked: whole numbers >= 1 with
    ``min_length <= max_length`` (else an :class:`InputError` naming the one at fault)."""
    # the number of metapaths grows exponentially with the length (18 took 62 s and 5 GB on a
    # toy graph; Rephetio used 4): a typo must not hang the machine
    high = check_number("max_length", max_length, low=1, high=MAX_METAPATH_LENGTH, integer=True)
    low = check_number("min_length", min_length, low=1, integer=True)
    if low > high:
        raise InputError(f"min_length ({low}) must not exceed max_length ({high})")
    return high, low


@dataclass(frozen=True)
class Metaedge:
    """An edge type: ``source`` and ``target`` node kinds joined by ``relation``.

    Attributes
    ----------
    source, target : str
        Node kind names (``"Compound"``, ``"Gene"``).
    relation : str
        Relation abbreviation (``"b"``).
    directed : bool
        Whether an edge goes from source to target only (``Gr>G``).
    abbreviation : str
        The metaedge as Hetionet writes it (``"CbG"``, ``"Gr>G"``).
    """

    source: str
    target: str
    relation: str
    directed: bool
    abbreviation: str


@dataclass(frozen=True)
class Step:
    """One metaedge walked in one direction (forward: from its source kind to its target kind)."""

    metaedge: Metaedge
    forward: bool

    @property
    def source(self) -> str:
        """Node kind the step leaves."""
        return self.metaedge.source if self.forward else self.metaedge.target

    @property
    def target(self) -> str:
        """Node kind the step reaches."""
        return self.metaedge.target if self.forward else self.metaedge.source

    @property
    def relation_token(self) -> str:
        """The step as written inside a metapath: ``b``, ``r>`` or ``<r``."""
        rel = self.metaedge.relation
        if not self.metaedge.directed:
            return rel
        return f"{rel}>" if self.forward else f"<{rel}"


@dataclass(frozen=True)
class Metapath:
    """A sequence of steps, each starting where the previous one ended.

    ``str(metapath)`` is its abbreviation (``"CbGaD"``); ``len(metapath)`` its number of edges.
    ``kinds`` lists the node kind at each of the ``len + 1`` positions.
    """

    steps: tuple[Step, ...]
    abbreviation: str

    def __len__(self) -> int:
        return len(self.steps)

    def __str__(self) -> str:
        return self.abbreviation

    @property
    def kinds(self) -> tuple[str, ...]:
        """Node kind at each position, source first."""
        return (self.steps[0].source,) + tuple(step.target for step in self.steps)

    @property
    def source(self) -> str:
        """Kind of the first node."""
        return self.steps[0].source

    @property
    def target(self) -> str:
        """Kind of the last node."""
        return self.steps[-1].target

    @property
    def metaedges(self) -> tuple[str, ...]:
        """Abbreviations of the metaedges the path uses, in order (repeats kept)."""
        return tuple(step.metaedge.abbreviation for step in self.steps)


class Metagraph:
    """Node kinds and metaedges of a heterogeneous network; parses and enumerates metapaths.

    Parameters
    ----------
    kinds : mapping of str to str
        Node kind name → abbreviation (``{"Compound": "C", "Gene": "G"}``).
    metaedges : iterable of str
        Metaedge abbreviations (``"CbG"``, ``"Gr>G"``); the kinds at their ends must be in
        ``kinds``.

    Examples
    --------
    >>> mg = Metagraph({"Compound": "C", "Gene": "G", "Disease": "D"}, ["CbG", "DaG", "CtD"])
    >>> [str(p) for p in mg.metapaths("Compound", "Disease", max_length=2)]
    ['CtD', 'CbGaD']
    """

    def __init__(self, kinds: Mapping[str, str], metaedges: Iterable[str]) -> None:
        self.kinds: dict[str, str] = dict(kinds)
        self._kind_of = {abbr: name for name, abbr in self.kinds.items()}
        if len(self._kind_of) != len(self.kinds):
            raise InputError(f"two node kinds share an abbreviation: {self.kinds}")
        self.metaedges: dict[str, Metaedge] = {}
        for abbreviation in metaedges:
            edge = self._parse_metaedge(abbreviation)
            self.metaedges[edge.abbreviation] = edge

    def __repr__(self) -> str:
        return f"Metagraph({len(self.kinds)} node kinds, {len(self.metaedges)} metaedges)"

    def kind(self, name_or_abbreviation: str) -> str:
        """The kind name for a name or an abbreviation (``"C"`` or ``"Compound"``)."""
        if name_or_abbreviation in self.kinds:
            return name_or_abbreviation
        if name_or_abbreviation in self._kind_of:
            return self._kind_of[name_or_abbreviation]
        raise InputError(f"unknown node kind {name_or_abbreviation!r}; known: {sorted(self.kinds)}")

    def _parse_metaedge(self, abbreviation: str) -> Metaedge:
        match = _METAEDGE.match(abbreviation)
        if match is None:
            raise InputError(
                f"{abbreviation!r} is not a metaedge abbreviation (capitals, lower-case relation, "
                "capitals, e.g. 'CbG' or 'Gr>G')"
            )
        src, back, relation, forward, tgt = match.groups()
        if back:
            raise InputError(f"metaedge {abbreviation!r}: write directed metaedges source first ('Gr>G')")
        for abbr in (src, tgt):
            if abbr not in self._kind_of:
                raise InputError(f"metaedge {abbreviation!r}: unknown node kind abbreviation {abbr!r}")
        return Metaedge(self._kind_of[src], self._kind_of[tgt], relation, bool(forward), abbreviation)

    def parse(self, metapath: str | Metapath) -> Metapath:
        """The :class:`Metapath` an abbreviation names (``"CbGaD"``, ``"CbG<rGaD"``).

        Raises
        ------
        InputError
            When a kind or a metaedge is not in this metagraph; the message names it.
        """
        if isinstance(metapath, Metapath):
            return metapath
        if not isinstance(metapath, str):
            raise InputError(
                f"a metapath must be an abbreviation such as 'CbGaD' or a Metapath, "
                f"got {type(metapath).__name__} {metapath!r:.60}"
            )
        tokens = _TOKEN.findall(metapath)
        if "".join(tokens) != metapath or len(tokens) < 3 or len(tokens) % 2 == 0:
            raise InputError(f"{metapath!r} is not a metapath abbreviation such as 'CbGaD'")
        steps = []
        for i in range(1, len(tokens), 2):
            steps.append(self._step(tokens[i - 1], tokens[i], tokens[i + 1], metapath))
        return Metapath(tuple(steps), metapath)

    def _step(self, src: str, token: str, tgt: str, metapath: str) -> Step:
        for abbr in (src, tgt):
            if abbr not in self._kind_of:
                raise InputError(f"metapath {metapath!r}: unknown node kind {abbr!r}")
        relation = token.strip("<>")
        if token.endswith(">"):
            candidates = [(f"{src}{relation}>{tgt}", True)]
        elif token.startswith("<"):
            candidates = [(f"{tgt}{relation}>{src}", False)]
        else:
            candidates = [(f"{src}{relation}{tgt}", True), (f"{tgt}{relation}{src}", False)]
        for abbreviation, forward in candidates:
            if abbreviation in self.metaedges:
                return Step(self.metaedges[abbreviation], forward)
        raise InputError(
            f"metapath {metapath!r}: no metaedge {src}{token}{tgt} in this network "
            f"(metaedges: {', '.join(sorted(self.metaedges))})"
        )

    def steps_from(self, kind: str) -> list[Step]:
        """Every step that leaves ``kind``: each metaedge at it, in each direction that differs."""
        steps = []
        for edge in self.metaedges.values():
            if edge.source == kind:
                steps.append(Step(edge, True))
            if edge.target == kind and (edge.directed or edge.source != kind):
                steps.append(Step(edge, False))
        return steps

    def metapaths(self, source: str, target: str, max_length: int = 4, min_length: int = 1) -> list[Metapath]:
        """Every metapath from ``source`` to ``target`` kind with ``min_length``–``max_length`` edges.

        Ordered by length, then as the walk over the metaedges reaches them. Node kinds may
        repeat (``CrCtD``, ``CbGiGaD``); paths over them never revisit a node (see
        :func:`drugscreen.repurpose.dwpc`).

        Raises
        ------
        InputError
            When a length is not a whole number >= 1, or ``min_length > max_length``.
        """
        max_length, min_length = check_lengths(max_length, min_length)
        source, target = self.kind(source), self.kind(target)
        by_length: list[list[Metapath]] = [[] for _ in range(max_length + 1)]
        frontier: list[tuple[Step, ...]] = [()]
        for length in range(1, max_length + 1):
            grown = []
            for steps in frontier:
                here = steps[-1].target if steps else source
                for step in self.steps_from(here):
                    grown.append(steps + (step,))
            frontier = grown
            if length >= min_length:
                by_length[length] = [self._metapath(s) for s in grown if s[-1].target == target]
        return [path for group in by_length for path in group]

    def _metapath(self, steps: tuple[Step, ...]) -> Metapath:
        text = self.kinds[steps[0].source]
        for step in steps:
            text += step.relation_token + self.kinds[step.target]
        return Metapath(steps, text)
