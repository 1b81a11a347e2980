"""The file a :class:`bot.search.bm25.BM25Index` is saved to, and how it is read back: memory-mapped.

Why: a loaded index used to be read into memory whole, so a million passages cost their full postings and
forward index in resident memory (about 210 MB of the 319 MB a new process held), although a query reads only
the postings of its terms, and the forward index is read only by removals and by ``terms_of``. Mapped, only the
pages something reads become resident, and they are the system's page cache, shared and reclaimable.

Format (version 2): an uncompressed ``.npz`` (``numpy.load`` still reads it) in which every array's data starts
on a 64-byte boundary (the zip entries are padded with an extra field, as Android's zipalign does), so the big
arrays (``MAPPED``) are views of one ``mmap`` of the file, aligned for the compiled kernels. Every entry's CRC-32
is still checked on load (the file is read once, through the page cache, not into the process), so a damaged
file is refused rather than used. Version 1 files (not aligned) are refused as an incompatible version: the
index they hold is derived data, rebuilt by the caller.

The mapping is private (copy-on-write) and nothing writes to these arrays in place, so a mapped array is never
written back; a file is only ever replaced by a rename (``save``, and a new generation of the coverage index's
directory: :mod:`bot.search.generations`), never rewritten in place, so a mapped file never changes under a
running process (removing it, once it is no longer current, leaves its data to the mappings until they end).
On Windows, where a mapped file cannot be replaced or removed, the arrays are read into memory instead.
"""

from __future__ import annotations

import mmap
import os
import struct
import tempfile
import zipfile
from pathlib import Path
from typing import IO, Any, Final

import numpy as np
import numpy.typing as npt

__all__ = ["MAPPED", "read_arrays", "write_arrays"]

#: The arrays that are mapped rather than read: those the size of the corpus (postings and forward index).
MAPPED: Final = frozenset({"indptr", "rows", "tfs", "fwd"})
#: Whether this platform maps them (a mapped file cannot be replaced or removed on Windows).
MAP_FILES: Final = os.name != "nt"

_ALIGN: Final = 64  # numpy pads a .npy header to a multiple of 64 bytes, so the data is aligned as well
_PAD_ID: Final = 0xD935  # the extra-field id zipalign uses for padding
_LOCAL_HEADER: Final = 30  # bytes of a zip local file header before its name and extra field
_ZIP64_EXTRA: Final = 20  # the zip64 sizes zipfile adds to a local header written with force_zip64
_CHUNK: Final = 1 << 20


def write_arrays(path: Path, arrays: dict[str, npt.NDArray[Any]]) -> None:
    """Write ``arrays`` to ``path`` as an aligned, uncompressed ``.npz``, atomically (fsync, then a rename): a
    crash leaves the old file intact."""
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as f:
            with zipfile.ZipFile(f, "w", compression=zipfile.ZIP_STORED, allowZip64=True) as archive:
                for name, value in arrays.items():
                    _write_entry(archive, f, f"{name}.npy", np.ascontiguousarray(value))
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except FileNotFoundError:
            pass
        raise


def _write_entry(archive: zipfile.ZipFile, f: IO[bytes], name: str, value: npt.NDArray[Any]) -> None:
    """One ``.npy`` entry whose data starts on an ``_ALIGN`` boundary of the file."""
    info = zipfile.ZipInfo(name, date_time=(1980, 1, 1, 0, 0, 0))
    info.compress_type = zipfile.ZIP_STORED
    # zipfile writes each local header at the current end of the entries (f.tell() between entries).
    header_end = f.tell() + _LOCAL_HEADER + len(name.encode("utf-8")) + 4 + _ZIP64_EXTRA
    pad = -header_end % _ALIGN
    info.extra = struct.pack("<HH", _PAD_ID, pad) + bytes(pad)
    with archive.open(info, "w", force_zip64=True) as entry:
        np.lib.format.write_array(entry, value, allow_pickle=False)


def read_arrays(path: Path) -> dict[str, npt.NDArray[Any]]:
    """Every array of a file written by :func:`write_arrays`, the ``MAPPED`` ones as views of a private map.

    ``ValueError`` if the file is not such a file or is damaged (a bad CRC, a truncated entry, a header that
    does not fit its data); ``OSError`` (e.g. ``FileNotFoundError``) if it cannot be opened.
    """
    with path.open("rb") as f:  # our handle: zipfile would leak its own when the archive is damaged
        try:
            return _read(f)
        except (OSError, ValueError, EOFError, zipfile.BadZipFile, struct.error) as exc:
            raise ValueError(f"{path} is not a saved BM25 index: {exc}") from exc


def _read(f: IO[bytes]) -> dict[str, npt.NDArray[Any]]:
    arrays: dict[str, npt.NDArray[Any]] = {}
    to_map: list[tuple[str, np.dtype[Any], tuple[int, ...], int]] = []
    size = os.fstat(f.fileno()).st_size
    with zipfile.ZipFile(f) as archive:
        for info in archive.infolist():
            if not info.filename.endswith(".npy"):
                raise ValueError(f"unexpected entry {info.filename!r}")
            name = info.filename[: -len(".npy")]
            with archive.open(info) as entry:
                mappable = MAP_FILES and name in MAPPED and info.compress_type == zipfile.ZIP_STORED
                header = _npy_header(entry) if mappable else None
                if header is None:
                    with archive.open(info) as again:
                        arrays[name] = np.lib.format.read_array(again, allow_pickle=False)
                    continue
                dtype, shape, header_len = header
                if header_len + int(np.prod(shape)) * dtype.itemsize != info.file_size:
                    raise ValueError(f"{info.filename}: its header does not fit its data")
                while entry.read(_CHUNK):  # to the end: zipfile checks the entry's CRC-32 there
                    pass
            to_map.append((name, dtype, shape, _data_offset(f, info, size) + header_len))
    if to_map:
        mapping = mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_COPY)
        for name, dtype, shape, start in to_map:
            count = shape[0]
            view = np.frombuffer(mapping, dtype=dtype, count=count, offset=start)  # (1-D, as checked)
            # Aligned for the compiled kernels (numba types an unaligned array differently): always, for files
            # this module wrote; a copy otherwise.
            arrays[name] = view if view.flags.aligned else view.copy()
    return arrays


def _npy_header(entry: IO[bytes]) -> tuple[np.dtype[Any], tuple[int, ...], int] | None:
    """The dtype, shape and header length of a ``.npy`` entry when its data can be mapped as it is (C order,
    native byte order, plain numbers), else None (it is then read into memory)."""
    version = np.lib.format.read_magic(entry)
    if version == (1, 0):
        shape, fortran, dtype = np.lib.format.read_array_header_1_0(entry)
    elif version == (2, 0):
        shape, fortran, dtype = np.lib.format.read_array_header_2_0(entry)
    else:
        return None
    if fortran or len(shape) != 1 or not dtype.isnative or dtype.kind not in "biuf":
        return None
    return dtype, tuple(shape), entry.tell()


def _data_offset(f: IO[bytes], info: zipfile.ZipInfo, size: int) -> int:
    """Where an entry's bytes start in the file: after its local header, whose extra field (our padding) may
    differ from the central directory's."""
    f.seek(info.header_offset)
    local = f.read(_LOCAL_HEADER)
    if len(local) != _LOCAL_HEADER or local[:4] != b"PK\x03\x04":
        raise ValueError(f"{info.filename}: bad local header")
    name_len, extra_len = struct.unpack("<HH", local[26:30])
    start = info.header_offset + _LOCAL_HEADER + name_len + extra_len
    if start + info.file_size > size:
        raise ValueError(f"{info.filename}: truncated")
    return int(start)
