from __future__ import annotations

import gc

import pytest

from helpdesk.collector import BATCH_THRESHOLDS, fewer_collections


def test_thresholds_are_raised_inside_and_restored_after_an_error() -> None:
    before = gc.get_threshold()
    with pytest.raises(RuntimeError), fewer_collections():
        assert gc.get_threshold() == BATCH_THRESHOLDS
        raise RuntimeError("a group that failed")
    assert gc.get_threshold() == before
