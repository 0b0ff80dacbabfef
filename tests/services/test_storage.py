"""Content-addressed storage, including writes done behind a batch of mail."""

from __future__ import annotations

import hashlib
import threading
from pathlib import Path

import pytest

from helpdesk.attachments import storage


def test_saves_inside_the_block_are_written_behind_and_on_disk_when_it_ends(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    writers: set[str] = set()
    write = storage._write

    def spying_write(data: bytes, root: Path | None, sha256: str | None = None) -> str:
        writers.add(threading.current_thread().name)
        return write(data, root, sha256)

    monkeypatch.setattr(storage, "_write", spying_write)
    blobs = [f"mensaje {n}".encode() for n in range(20)] + [b"mensaje 0"]
    with storage.writing_behind(tmp_path):
        hashes = [storage.save(blob, tmp_path) for blob in blobs]
    assert hashes == [hashlib.sha256(blob).hexdigest() for blob in blobs]
    assert [storage.read(h, tmp_path) for h in hashes] == blobs
    assert not list(tmp_path.rglob(".incoming-*"))  # no half-written files left
    assert writers and all(name.startswith("storage") for name in writers)


def test_a_failed_write_behind_is_raised_when_the_block_ends(tmp_path: Path) -> None:
    (tmp_path / "attachments").write_text("a file where the directory must go")
    with pytest.raises(OSError), storage.writing_behind(tmp_path / "attachments"):
        storage.save(b"correo", tmp_path / "attachments")


def test_outside_the_block_saves_are_written_at_once(tmp_path: Path) -> None:
    sha256 = storage.save(b"adjunto", tmp_path)
    assert storage.read(sha256, tmp_path) == b"adjunto"
