"""An ephemeral server used before it is started says so; stopping it then is harmless
and removes only its own home (a caller's folder stays)."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest

from commands.testing.ephemeral import EphemeralServer


def test_an_unstarted_server_refuses_use_and_stops_cleanly(tmp_path: Path) -> None:
    server = EphemeralServer(folder=tmp_path)
    with pytest.raises(RuntimeError, match="the ephemeral server is not started"):
        server.wait(threading.Event())
    with pytest.raises(RuntimeError, match="the ephemeral server is not started"):
        list(server.actors())
    with pytest.raises(RuntimeError, match="the ephemeral server is not started"):
        server.client("admin")
    (tmp_path / "home").mkdir()
    (tmp_path / "mine.txt").write_text("kept")
    server.stop()
    assert server.server is None and server.bootstrap is None
    assert not (tmp_path / "home").exists()
    assert (tmp_path / "mine.txt").read_text() == "kept"
