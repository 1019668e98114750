"""Servers started together on one home make one CA between them (commands/service/tls.py):
every server certificate then verifies against the ``ca.pem`` clients trust."""

from __future__ import annotations

import multiprocessing
from pathlib import Path

from cryptography import x509

from commands.service.tls import ensure_server_files


def _make(home: str, start: multiprocessing.synchronize.Event) -> None:  # type: ignore[name-defined]
    start.wait(10)
    ensure_server_files(Path(home))


def test_concurrent_starts_on_one_home_share_one_ca(tmp_path: Path) -> None:
    context = multiprocessing.get_context("fork")
    start = context.Event()
    workers = [context.Process(target=_make, args=(str(tmp_path), start)) for _ in range(6)]
    for worker in workers:
        worker.start()
    start.set()
    for worker in workers:
        worker.join(60)
        assert worker.exitcode == 0
    files = ensure_server_files(tmp_path)
    ca = x509.load_pem_x509_certificate(files.ca.read_bytes())
    server = x509.load_pem_x509_certificate(files.cert.read_bytes())
    server.verify_directly_issued_by(ca)  # raises unless the one CA on disk signed it
    assert not list((tmp_path / "tls").glob("*.tmp"))
