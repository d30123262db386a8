"""RDKit's random first MaxMin pick: boost ``mt19937`` seeded with the seed, ``uniform_int``.

``MaxMinPicker.LazyBitVectorPick(..., seed=s)`` without first picks starts from one row drawn
by ``boost::uniform_int<>(0, pool - 1)`` over ``boost::mt19937(s)``. Reproducing that draw
exactly is what makes ``ds.cluster.maxmin(fps, n, seed=s)`` return RDKit's picks for the
same seed. Only a handful of 32-bit outputs are ever needed, so plain Python is enough.
"""

from __future__ import annotations

from collections.abc import Iterator

_MASK = 0xFFFFFFFF


def mt19937(seed: int) -> Iterator[int]:
    """The 32-bit outputs of the Mersenne Twister MT19937 seeded like ``boost::mt19937(seed)``.

    Examples
    --------
    >>> next(mt19937(5489))  # the reference generator's first output for the default seed
    3499211612
    """
    state = [seed & _MASK]
    for i in range(1, 624):
        prev = state[-1]
        state.append((1812433253 * (prev ^ (prev >> 30)) + i) & _MASK)
    index = 624
    while True:
        if index == 624:
            for i in range(624):
                y = (state[i] & 0x80000000) | (state[(i + 1) % 624] & 0x7FFFFFFF)
                state[i] = state[(i + 397) % 624] ^ (y >> 1) ^ (0x9908B0DF if y & 1 else 0)
            index = 0
        y = state[index]
        index += 1
        y ^= y >> 11
        y ^= (y << 7) & 0x9D2C5680
        y ^= (y << 15) & 0xEFC60000
        y ^= y >> 18
        yield y


def boost_uniform_int(outputs: Iterator[int], high: int) -> int:
    """An integer in ``[0, high]`` drawn from 32-bit ``outputs`` as ``boost::uniform_int`` does.

    Boost divides the 32-bit range into equal buckets (one larger bucket when the range divides
    exactly) and rejects draws past the last full bucket.
    """
    if high == _MASK:
        return next(outputs)
    bucket = _MASK // (high + 1)
    if _MASK % (high + 1) == high:
        bucket += 1
    while True:
        value = next(outputs) // bucket
        if value <= high:
            return value


def rdkit_first_pick(seed: int, pool_size: int) -> int:
    """The row RDKit's ``LazyBitVectorPick`` picks first for ``seed`` in a pool of ``pool_size``.

    Examples
    --------
    >>> 0 <= rdkit_first_pick(42, 1000) < 1000
    True
    """
    return boost_uniform_int(mt19937(seed), pool_size - 1)
