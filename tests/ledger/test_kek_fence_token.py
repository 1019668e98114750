"""The KEK fence reads the home's configuration again only when a write marked it
(ledger/recipes/kek_fence.py, requirement 4), and never misses a write through the home."""

from __future__ import annotations

import fcntl
import os
import subprocess
import sys
from pathlib import Path

import pytest

from commands.session import Session
from ledger.crypto.kek import KEKProvider
from ledger.errors import ConcurrencyError
from ledger.home import Home
from ledger.recipes.kek_fence import LOCK_FILE, KekFence, KekState
from tests.ledger.conftest import new_session


@pytest.fixture
def home_session(tmp_path: Path) -> Session:
    session = new_session(tmp_path / "home")
    session.initialize(name="fence")
    return session


def counted_fence(session: Session) -> tuple[KekFence, list[KekState]]:
    """The home's fence with its configuration reads recorded."""
    home = session.home
    reads: list[KekState] = []

    def read() -> KekState:
        config = home.config()
        reads.append(KekState(config["kek"], isinstance(config.get("kek_next"), dict)))
        return reads[-1]

    def reopen(params: dict[str, object]) -> KEKProvider:
        raise AssertionError("the KEK in force did not change")

    fence = KekFence(home.path, session.kek(), home.config()["kek"], read, reopen)
    return fence, reads


def test_uses_read_the_configuration_once_until_it_is_written(home_session: Session) -> None:
    fence, reads = counted_fence(home_session)
    for _ in range(5):
        with fence.using(sealing=True) as (_, rotating):
            assert not rotating
    assert len(reads) == 1
    home_session.home.begin_kek_change({"provider": "passphrase", "kek_id": "next"})
    with pytest.raises(ConcurrencyError, match="rotation is in progress"), fence.using(
            sealing=True):
        pass
    with fence.using(sealing=False) as (_, rotating):
        assert rotating
    assert len(reads) == 2


def test_a_write_by_another_process_is_seen(home_session: Session) -> None:
    fence, reads = counted_fence(home_session)
    with fence.using(sealing=True):
        pass
    home = home_session.home
    subprocess.run([sys.executable, "-c", (
        "import sys; from pathlib import Path; from ledger.home import Home; "
        "Home(Path(sys.argv[1]), None).begin_kek_change({'provider': 'passphrase'})"),
        str(home.path)], check=True, cwd=Path(__file__).parents[2])
    with pytest.raises(ConcurrencyError), fence.using(sealing=True):
        pass
    assert len(reads) == 2 and reads[-1].rotating


def test_an_unmarked_lock_file_is_never_trusted(home_session: Session) -> None:
    home = home_session.home
    (home.path / LOCK_FILE).write_bytes(b"")  # a home from before the token
    fence, reads = counted_fence(home_session)
    for _ in range(3):
        with fence.using(sealing=True):
            pass
    assert len(reads) == 3
    Home(home.path, None).begin_kek_change({"provider": "passphrase"})
    with pytest.raises(ConcurrencyError), fence.using(sealing=True):
        pass


def exclusive_is_free(home: Path) -> bool:
    """Whether a rotation could take the lock now (its own descriptor, as it would)."""
    fd = os.open(home / LOCK_FILE, os.O_RDWR)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return False
    finally:
        os.close(fd)
    return True


def test_overlapping_uses_hold_the_lock_until_the_last_ends(home_session: Session) -> None:
    fence, _ = counted_fence(home_session)
    path = home_session.home.path
    first, second = fence.using(sealing=False), fence.using(sealing=False)
    first.__enter__()
    second.__enter__()
    assert not exclusive_is_free(path)
    first.__exit__(None, None, None)
    assert not exclusive_is_free(path)  # the second use still holds it
    second.__exit__(None, None, None)
    assert exclusive_is_free(path)
    with fence.exclusive():  # and a rotation in this process waits for nothing of ours
        pass
    fence.close()


def test_a_use_waits_for_a_rotation_and_gives_up_clearly(home_session: Session) -> None:
    home = home_session.home
    fence = KekFence(home.path, home_session.kek(), home.config()["kek"],
                     lambda: KekState(home.config()["kek"], False), lambda _: home_session.kek(),
                     wait_s=0.2)
    holder = os.open(home.path / LOCK_FILE, os.O_RDWR)
    try:
        fcntl.flock(holder, fcntl.LOCK_EX)
        with pytest.raises(ConcurrencyError, match="held by a rotation"), fence.using(
                sealing=False):
            pass
    finally:
        os.close(holder)
    with fence.using(sealing=True) as (_, rotating):
        assert not rotating
