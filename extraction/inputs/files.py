"""Reading a report file with its cost bounded before the first byte is read.

Only regular files are read: a device (``/dev/zero``), a named pipe, a socket or a directory
is refused with a sentence instead of blocking or streaming forever. The file is opened
without blocking (so a FIFO with no writer cannot hang the open), checked with ``fstat`` on
the open descriptor (no race between the check and the read), refused when its size is over
the input cap (a 3 GB sparse file costs nothing), and read in chunks that stop one byte past
the cap, so a file that grows while it is read is refused too. A symbolic-link loop gets its
own sentence.
"""

from __future__ import annotations

import errno
import os
import stat
from pathlib import Path

from nianbao.errors import ReadError
from nianbao.extraction.inputs.render import MAX_INPUT_BYTES

_CHUNK = 1 << 20
_KINDS = (
    (stat.S_ISDIR, "a directory"),
    (stat.S_ISCHR, "a character device"),
    (stat.S_ISBLK, "a block device"),
    (stat.S_ISFIFO, "a named pipe (FIFO)"),
    (stat.S_ISSOCK, "a socket"),
)


def file_kind(mode: int) -> str:
    """What a non-regular file is, in words ("a named pipe (FIFO)", …)."""
    return next((kind for test, kind in _KINDS if test(mode)), "not a regular file")


def _open(path: Path) -> int:
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0)
    try:
        return os.open(path, flags)
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            raise ReadError("symlink_loop", detail=path.name) from None
        if exc.errno == errno.ENXIO:  # a socket (or a FIFO opened for writing only)
            raise ReadError("not_regular", detail=f"{path.name} is a socket") from None
        raise ReadError("not_found", detail=f"{path.name}: {exc.strerror or exc}") from None


def read_input(path: str | os.PathLike[str], limit: int = MAX_INPUT_BYTES) -> bytes:
    """The bytes of a regular file of at most ``limit`` bytes, else ReadError with a sentence."""
    path = Path(path)
    fd = _open(path)
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise ReadError("not_regular", detail=f"{path.name} is {file_kind(info.st_mode)}")
        if info.st_size > limit:
            raise _too_large(path, info.st_size, limit)
        chunks, size = [], 0
        while size <= limit:
            chunk = os.read(fd, min(_CHUNK, limit + 1 - size))
            if not chunk:
                break
            chunks.append(chunk)
            size += len(chunk)
        if size > limit:
            raise _too_large(path, size, limit, grew=True)
        return b"".join(chunks)
    except OSError as exc:
        raise ReadError("not_found", detail=f"{path.name}: {exc.strerror or exc}") from None
    finally:
        os.close(fd)


def _too_large(path: Path, size: int, limit: int, grew: bool = False) -> ReadError:
    what = "grew past" if grew else f"is {size / 2**20:,.1f} MB; over"
    return ReadError("too_large", detail=f"{path.name} {what} the limit of {limit / 2**20:.0f} MB")
