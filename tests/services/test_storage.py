"""Content-addressed storage, including writes done behind a batch of mail."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from helpdesk.attachments import storage


def test_writing_behind_returns_the_hash_and_the_files_are_there_on_leaving(
    tmp_path: Path,
) -> None:
    blobs = [f"mensaje {n}".encode() for n in range(20)] + [b"mensaje 0"]
    with storage.writing_behind(tmp_path) as save:
        hashes = [save(blob) for blob in blobs]
    assert hashes == [hashlib.sha256(blob).hexdigest() for blob in blobs]
    assert [storage.read(h, tmp_path) for h in hashes] == blobs
    assert not list(tmp_path.rglob(".incoming-*"))  # no half-written files left


def test_a_failed_write_behind_is_raised_when_leaving(tmp_path: Path) -> None:
    (tmp_path / "attachments").write_text("a file where the directory must go")
    with pytest.raises(OSError), storage.writing_behind(tmp_path / "attachments") as save:
        save(b"correo")
