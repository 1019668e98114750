"""A projection database on a full disk: the update is refused as ``StoreUnavailable``
(the service's 503, retry later), not an internal error, and catches up once there is room.

Found by the soak (docs/assurance.md, "Soak"): a report read while the store's disk was
full answered 500 from DuckDB's "No space left on device" at commit. The disk here is a
real tmpfs of 8 MiB filled with a ballast file (root needed: skipped without, a failure
under ``CI=true``).
"""

from __future__ import annotations

import errno
import os
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from ledger.errors import StoreUnavailable
from projections.runner import ProjectionRunner
from tests.sample_ledger import build_sample
from tests.vectors import in_ci


@pytest.fixture
def small_disk(tmp_path: Path) -> Iterator[Path]:
    mount = tmp_path / "disk"
    mount.mkdir()
    problem = None
    if os.geteuid() != 0:
        problem = "mounting a small tmpfs needs root"
    elif subprocess.run(["mount", "-t", "tmpfs", "-o", "size=8m", "tmpfs", str(mount)],
                        capture_output=True, check=False).returncode != 0:
        problem = "could not mount a tmpfs"
    if problem is not None:
        if in_ci():
            pytest.fail(problem, pytrace=False)
        pytest.skip(problem)
    try:
        yield mount
    finally:
        subprocess.run(["umount", str(mount)], capture_output=True, check=False)


def fill(folder: Path) -> Path:
    ballast = folder / "ballast"
    with ballast.open("wb", buffering=0) as out:
        while True:
            try:
                out.write(b"\0" * 65536)
            except OSError as error:
                assert error.errno == errno.ENOSPC
                return ballast


def test_a_full_disk_is_store_unavailable_and_the_projection_catches_up_later(
        small_disk: Path) -> None:
    store = build_sample(signatures=40).memory_store()
    database = small_disk / "projections.duckdb"
    with ProjectionRunner(store, database) as runner:
        runner.positions()  # the file exists and its tables are made
    ballast = fill(small_disk)
    with pytest.raises(StoreUnavailable, match="could not be written"), \
            ProjectionRunner(store, database) as runner:
        runner.update()
    ballast.unlink()
    with ProjectionRunner(store, database) as runner:
        runner.update()
        status = runner.status()
    assert {s.chain_id for s in status} == set(store.chains())
    assert all(s.lag == 0 and s.position == s.head >= 0 for s in status)
