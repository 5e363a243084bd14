"""Opening the change counters' file without trusting its path.

Every process that opens the file maps it and writes to it, so a file planted
there by someone else (a symbolic link to a file of ours, a file of theirs)
would let them steer or read what we write. The file is opened with
``O_NOFOLLOW``: a symbolic link at its path is refused, not followed. In the
temporary folder, which every user may write, it lives in a folder of this
user's own, ``grouplink-{uid}``, made with mode 0700; a folder of that name that
is a symbolic link, belongs to someone else or is open to others is refused.
"""

from __future__ import annotations

import contextlib
import errno
import os
import stat
import tempfile

_OPEN = os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW | os.O_CLOEXEC


class UnsafePath(Exception):
    """The path is not one this process may trust with its counters."""


def private_folder() -> str:
    """This user's folder in the temporary folder (``$TMPDIR`` if set)."""
    return os.path.join(tempfile.gettempdir(), f"grouplink-{os.geteuid()}")


def open_counters(path: str, *, in_private_folder: bool) -> int:
    """A read-write descriptor of the regular file at ``path``, made (mode 0600) if
    missing. With ``in_private_folder``, its folder is made (mode 0700) if missing and
    must be this user's alone. Raises UnsafePath, or OSError if it cannot be opened."""
    folder, name = os.path.split(path)
    if not in_private_folder:
        return _checked(_open(path, path, None), path)
    with contextlib.suppress(FileExistsError):
        os.mkdir(folder, 0o700)
    try:
        folder_fd = os.open(folder, os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | os.O_CLOEXEC)
    except OSError as error:
        if error.errno in (errno.ELOOP, errno.ENOTDIR):
            raise UnsafePath(f"{folder} is not a folder (a symbolic link?)") from None
        raise
    try:
        # Checked on the open folder, not its name: it cannot be swapped in between.
        found = os.fstat(folder_fd)
        if found.st_uid != os.geteuid():
            raise UnsafePath(f"{folder} belongs to user {found.st_uid}, not to this one")
        if found.st_mode & 0o077:
            raise UnsafePath(f"{folder} is open to other users (mode {found.st_mode & 0o777:o})")
        return _checked(_open(name, path, folder_fd), path)
    finally:
        os.close(folder_fd)


def _open(name: str, path: str, folder_fd: int | None) -> int:
    """``name`` in the open folder ``folder_fd`` (or, without it, the path ``name``)."""
    try:
        return os.open(name, _OPEN, 0o600, dir_fd=folder_fd)
    except OSError as error:
        if error.errno == errno.ELOOP:
            raise UnsafePath(f"{path} is a symbolic link") from None
        raise


def _checked(fd: int, path: str) -> int:
    found = os.fstat(fd)
    problem = None
    if not stat.S_ISREG(found.st_mode):
        problem = "is not a regular file"
    elif found.st_uid != os.geteuid():
        problem = f"belongs to user {found.st_uid}, not to this one"
    elif found.st_nlink != 1:
        problem = "has other names (hard links)"
    if problem is not None:
        os.close(fd)
        raise UnsafePath(f"{path} {problem}")
    return fd
