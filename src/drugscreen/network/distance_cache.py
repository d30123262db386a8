"""The on-disk cache of an interactome's hop-distance matrix.

The cache file is a plain ``.npy`` file (``numpy.load`` reads it) followed by a trailer holding
the sha256 of the network it was computed from (:meth:`drugscreen.network.Interactome.fingerprint`)
and of its own bytes; both are checked on every load, so an empty, truncated, changed or foreign
cache is never used (it is logged, recomputed and rewritten). A cache is written atomically
(temporary file, fsync, rename) and memory-mapped from there.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import logging
import os
import tempfile
from pathlib import Path

import numpy as np

from drugscreen.durable import fsync_path

logger = logging.getLogger("drugscreen")

#: Marks the end of a distance cache written by drugscreen (after the ``.npy`` payload).
_CACHE_MAGIC = b"DRUGSCREEN-DISTANCES-1\n"
#: Trailer: magic, sha256 of the network (its :meth:`~drugscreen.network.Interactome.fingerprint`),
#: sha256 of the payload bytes (the ``.npy`` file before the trailer), payload length (uint64, little endian).
_TRAILER_BYTES = len(_CACHE_MAGIC) + 32 + 32 + 8
_HASH_CHUNK = 64 * 2**20


def read_distance_cache(path: Path, network_digest: str, n_genes: int) -> np.ndarray | None:
    """The memory-mapped distance matrix cached in ``path``, or None when there is none to trust.

    A cache is trusted only when its trailer names this network (``network_digest``) and the
    checksum of its bytes matches: an empty, truncated, changed or foreign file is logged as a
    warning and ignored (the caller recomputes and rewrites it), never a traceback.
    """
    if not os.path.lexists(path):
        return None
    try:
        if not path.is_file():
            logger.warning("interactome: distance cache %s is not a regular file; it is ignored", path)
            return None
        return _read_verified(path, network_digest, n_genes)
    except _BadCache as exc:
        logger.warning("interactome: distance cache %s %s; recomputing", path, exc)
    except (OSError, ValueError, EOFError) as exc:
        logger.warning("interactome: distance cache %s is unreadable (%s); recomputing", path, exc)
    return None


class _BadCache(Exception):
    """A distance cache that cannot be trusted; the message says why."""


def _read_verified(path: Path, network_digest: str, n_genes: int) -> np.ndarray:
    with open(path, "rb") as handle:
        size = os.fstat(handle.fileno()).st_size
        if size < _TRAILER_BYTES:
            raise _BadCache(f"is {'empty' if size == 0 else 'truncated'} ({size} bytes)")
        handle.seek(size - _TRAILER_BYTES)
        trailer = handle.read(_TRAILER_BYTES)
        magic_end = len(_CACHE_MAGIC)
        if trailer[:magic_end] != _CACHE_MAGIC:
            raise _BadCache("has no drugscreen checksums (an older or foreign file, or cut short)")
        network = trailer[magic_end : magic_end + 32]
        checksum = trailer[magic_end + 32 : magic_end + 64]
        length = int.from_bytes(trailer[magic_end + 64 :], "little")
        if network != bytes.fromhex(network_digest):
            raise _BadCache("was computed from another network")
        if length != size - _TRAILER_BYTES:
            raise _BadCache(f"has {size - _TRAILER_BYTES} payload bytes where its trailer says {length}")
        handle.seek(0)
        version = np.lib.format.read_magic(handle)
        if version != (1, 0):
            raise _BadCache(f"has .npy format {version}, not 1.0")
        shape, fortran, dtype = np.lib.format.read_array_header_1_0(handle)
        offset = handle.tell()
        if shape != (n_genes, n_genes) or fortran or dtype != np.uint8:
            raise _BadCache(f"holds a {dtype} {shape} matrix, not uint8 ({n_genes}, {n_genes})")
        if offset + n_genes * n_genes != length:
            raise _BadCache(f"holds {length - offset} matrix bytes, not {n_genes * n_genes}")
        digest = hashlib.sha256()
        handle.seek(0)
        header = handle.read(offset)
        digest.update(header)
    if n_genes == 0:
        matrix = np.empty((0, 0), dtype=np.uint8)
    else:
        matrix = np.memmap(path, dtype=np.uint8, mode="r", offset=offset, shape=(n_genes, n_genes))
        flat = matrix.reshape(-1)
        for first in range(0, flat.size, _HASH_CHUNK):
            digest.update(flat[first : first + _HASH_CHUNK].data)
    if digest.digest() != checksum:
        raise _BadCache("does not match its checksum (changed or damaged)")
    return matrix


def write_distance_cache(path: Path, matrix: np.ndarray, network_digest: str) -> np.ndarray | None:
    """Write ``matrix`` to ``path`` atomically (temporary file, fsync, rename) with a trailer of
    checksums; returns it memory-mapped from there, or None (logged) when it cannot be written.

    Only a regular file in the way is replaced (a symbolic link, directory or other file type
    is left alone and nothing is cached); no file is deleted but the temporary one written here.
    """
    if os.path.islink(path) or (os.path.lexists(path) and not path.is_file()):
        logger.warning(
            "interactome: %s is not a regular file; it is left alone and the distances are not cached",
            path,
        )
        return None
    tmp: str | None = None
    mapped: np.ndarray | None = None
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
        digest = hashlib.sha256()
        with os.fdopen(fd, "wb") as handle:
            header = io.BytesIO()
            np.lib.format.write_array_header_1_0(header, np.lib.format.header_data_from_array_1_0(matrix))
            head = header.getvalue()
            handle.write(head)
            digest.update(head)
            payload = np.ascontiguousarray(matrix).reshape(-1)
            for first in range(0, payload.size, _HASH_CHUNK):
                chunk = payload[first : first + _HASH_CHUNK]
                handle.write(chunk.data)
                digest.update(chunk.data)
            length = len(head) + payload.size
            handle.write(_CACHE_MAGIC + bytes.fromhex(network_digest) + digest.digest())
            handle.write(length.to_bytes(8, "little"))
            handle.flush()
            os.fsync(handle.fileno())
        n = matrix.shape[0]
        mapped = np.memmap(tmp, dtype=np.uint8, mode="r", offset=len(head), shape=(n, n)) if n else None
        os.replace(tmp, path)
        tmp = None
        fsync_path(path.parent, best_effort=True)
    except OSError as exc:
        logger.warning("interactome: cannot write the distance cache %s (%s); not cached", path, exc)
        return None
    finally:
        if tmp is not None:
            with contextlib.suppress(OSError):
                os.unlink(tmp)  # the temporary file made above (unlink never follows a link)
    logger.info("interactome: distances cached in %s", path)
    return matrix if mapped is None else mapped
