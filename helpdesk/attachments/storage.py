"""Content-addressed file storage under the data dir: the same bytes are kept once.

Every function takes the store's directory, ``root_for(DATA_DIR)``, from its caller.
"""

from __future__ import annotations

import hashlib
import os
import re
import tempfile
import unicodedata
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager
from contextvars import ContextVar
from pathlib import Path


def root_for(data_dir: str | Path) -> Path:
    """The store's directory under the app's ``DATA_DIR``."""
    return Path(data_dir) / "attachments"


def path_for(sha256: str, root: Path) -> Path:
    if not re.fullmatch(r"[0-9a-f]{64}", sha256):
        raise ValueError("not a sha256 hex digest")
    return root / sha256[:2] / sha256[2:4] / sha256


def save(data: bytes, root: Path) -> str:
    """Store ``data`` (once) under ``root`` and return its sha256. Written atomically: no
    half files.

    Inside ``writing_behind(root)`` the write is left to its background thread.
    """
    behind = _behind.get()
    if behind is not None and behind[0] == root:
        return behind[1](data)
    return _write(data, root)


def _write(data: bytes, root: Path, sha256: str | None = None) -> str:
    sha256 = sha256 or hashlib.sha256(data).hexdigest()
    target = path_for(sha256, root)
    if target.exists():
        return sha256
    try:
        fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=".incoming-")
    except FileNotFoundError:  # the first file of its directory
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=".incoming-")
    with os.fdopen(fd, "wb") as handle:
        handle.write(data)
    os.replace(tmp, target)
    return sha256


_behind: ContextVar[tuple[Path, Callable[[bytes], str]] | None] = ContextVar(
    "storage_behind", default=None
)


@contextmanager
def writing_behind(root: Path) -> Iterator[None]:
    """Inside the block, ``save`` returns the sha256 at once and a background thread writes.

    Creating files and directories is system calls, which release the GIL: a batch of
    mail is parsed and received while its attachments are written. Leaving
    the block waits for every write and raises the first failure, so the caller commits
    only what is on disk.
    """
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="storage") as pool:
        writes: list[Future[str]] = []

        def save_later(data: bytes) -> str:
            sha256 = hashlib.sha256(data).hexdigest()
            writes.append(pool.submit(_write, data, root, sha256))
            return sha256

        token = _behind.set((root, save_later))
        try:
            yield
        finally:
            _behind.reset(token)
        for write in writes:
            write.result()


def read(sha256: str, root: Path) -> bytes:
    return path_for(sha256, root).read_bytes()


_UNSAFE = re.compile(r"[^\w.\- ()\[\]]+", re.UNICODE)


def safe_filename(name: str | None, default: str = "adjunto") -> str:
    """A name safe to offer as a download: no path, no control characters, not hidden."""
    name = unicodedata.normalize("NFC", name or "")
    name = name.replace("\\", "/").rsplit("/", 1)[-1]
    name = _UNSAFE.sub("_", name).strip(" ._")
    return name[:150] or default
