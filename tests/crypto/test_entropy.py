"""SP 800-90B-style health tests on the OS random bytes.

Each test that feeds a broken source uses its own :class:`HealthMonitor`, except the ones
that check the process-wide :func:`random_bytes` fails and then heals.
"""

from __future__ import annotations

import itertools
import math
import os
import threading
from collections.abc import Callable, Iterator
from fractions import Fraction

import pytest

from ledger.crypto import entropy
from ledger.crypto.entropy import (
    APT_CUTOFF,
    APT_WINDOW,
    RCT_CUTOFF,
    STARTUP_SAMPLES,
    HealthMonitor,
    random_bytes,
)
from ledger.errors import EntropyHealthError, InvalidInput


def _stream_source(stream: Iterator[int]) -> Callable[[int], bytes]:
    def source(n: int) -> bytes:
        return bytes(itertools.islice(stream, n))

    return source


def _crit_binom(n: int, p: Fraction, target: Fraction) -> int:
    """Excel's CRITBINOM: the smallest k with P(Bin(n, p) <= k) >= target (exact)."""
    cumulative = Fraction(0)
    for k in range(n + 1):
        cumulative += math.comb(n, k) * p**k * (1 - p) ** (n - k)
        if cumulative >= target:
            return k
    raise AssertionError("unreachable")


def test_cutoffs_follow_sp800_90b_formulas() -> None:
    h = entropy.CLAIMED_MIN_ENTROPY_BITS
    alpha = Fraction(1, 2**entropy.ALPHA_LOG2)
    expected_rct = 1 + math.ceil(entropy.ALPHA_LOG2 / h)
    expected_apt = 1 + _crit_binom(APT_WINDOW, Fraction(1, 2**h), 1 - alpha)
    assert expected_rct == RCT_CUTOFF
    assert APT_WINDOW == 512
    assert expected_apt == APT_CUTOFF
    assert STARTUP_SAMPLES >= 1024


def test_good_os_source_passes_many_small_and_large_calls() -> None:
    monitor = HealthMonitor()
    total = 0
    for size in [0, 1, 12, 16, 32, 33, 64, 500, 4096] * 30:
        out = monitor.random_bytes(size)
        assert isinstance(out, bytearray)
        assert len(out) == size
        total += size
    assert total > 100_000


def test_module_level_random_bytes() -> None:
    a, b = random_bytes(32), random_bytes(32)
    assert isinstance(a, bytearray)
    assert len(a) == 32
    assert a != b


def test_stuck_source_fails_the_repetition_count_test() -> None:
    with pytest.raises(EntropyHealthError, match="repetition count"):
        HealthMonitor().random_bytes(32, source=lambda n: b"\x42" * n)


def test_biased_source_without_runs_fails_the_adaptive_proportion_test() -> None:
    # Every other byte is 0x00, the others cycle through 1..255: no run is longer than 1,
    # so only the proportion test can notice that 0x00 is half the output.
    stream = itertools.chain.from_iterable((0, v) for v in itertools.cycle(range(1, 256)))
    with pytest.raises(EntropyHealthError, match="adaptive proportion"):
        HealthMonitor().random_bytes(32, source=_stream_source(stream))


def _run_stream(run: int) -> bytes:
    """Random-looking bytes with one run of ``run`` identical bytes in the middle."""
    data = bytearray(os.urandom(STARTUP_SAMPLES + 64))
    for i in range(1, len(data)):  # remove accidental repeats so only our run counts
        if data[i] == data[i - 1]:
            data[i] = (data[i] + 1) % 256
    start = 200
    value = (data[start - 1] + 1) % 256
    if value == data[start + run]:
        value = (value + 1) % 256
    data[start : start + run] = bytes([value]) * run
    return bytes(data)


def test_repetition_count_boundary() -> None:
    for run, should_fail in ((RCT_CUTOFF - 1, False), (RCT_CUTOFF, True)):
        data = _run_stream(run)
        monitor = HealthMonitor()
        source = _stream_source(iter(data))
        if should_fail:
            with pytest.raises(EntropyHealthError, match="repetition count"):
                monitor.random_bytes(16, source=source)
        else:
            assert len(monitor.random_bytes(16, source=source)) == 16


def _window(reference_count: int) -> list[int]:
    """One APT window whose first sample (0x00) occurs ``reference_count`` times, no runs."""
    window = [(i * 7) % 255 + 1 for i in range(APT_WINDOW)]  # never 0, neighbours differ
    for k in range(reference_count):
        window[8 * k] = 0
    return window


def test_adaptive_proportion_boundary() -> None:
    for count, should_fail in ((APT_CUTOFF - 1, False), (APT_CUTOFF, True)):
        monitor = HealthMonitor()
        stream = iter(_window(count) + _window(10) + list(os.urandom(64)))
        source = _stream_source(stream)
        if should_fail:
            with pytest.raises(EntropyHealthError, match="adaptive proportion"):
                monitor.random_bytes(16, source=source)
        else:
            assert len(monitor.random_bytes(16, source=source)) == 16


def test_state_spans_calls_shorter_than_the_window() -> None:
    """A bias spread over many 8-byte calls is still caught: the window spans calls."""
    monitor = HealthMonitor()
    monitor.random_bytes(8)  # start-up on the good OS source
    biased = itertools.chain.from_iterable((0, v) for v in itertools.cycle(range(1, 256)))
    source = _stream_source(biased)
    with pytest.raises(EntropyHealthError, match="adaptive proportion"):
        for _ in range(4 * APT_WINDOW // 8):
            monitor.random_bytes(8, source=source)


def test_start_up_test_reads_and_discards_1024_samples() -> None:
    requested: list[int] = []

    def counting(n: int) -> bytes:
        requested.append(n)
        return os.urandom(n)

    monitor = HealthMonitor()
    monitor.random_bytes(32, source=counting)
    monitor.random_bytes(32, source=counting)
    assert requested == [STARTUP_SAMPLES, 32, 32]


def test_failure_forces_a_new_start_up_test_and_heals() -> None:
    with pytest.raises(EntropyHealthError):
        random_bytes(64, source=lambda n: b"\x00" * n)
    requested: list[int] = []

    def counting(n: int) -> bytes:
        requested.append(n)
        return os.urandom(n)

    assert len(random_bytes(32, source=counting)) == 32
    assert requested == [STARTUP_SAMPLES, 32]


def test_short_or_failing_source_is_an_entropy_error() -> None:
    with pytest.raises(EntropyHealthError, match="wrong number"):
        HealthMonitor().random_bytes(32, source=lambda n: os.urandom(n - 1))

    def broken(n: int) -> bytes:
        raise OSError("getrandom failed")

    with pytest.raises(EntropyHealthError, match="could not be read"):
        HealthMonitor().random_bytes(32, source=broken)


@pytest.mark.parametrize("n", [-1, entropy.MAX_REQUEST + 1, 1.5, True])
def test_bad_sizes_are_refused(n: object) -> None:
    with pytest.raises(InvalidInput):
        HealthMonitor().random_bytes(n)  # type: ignore[arg-type]


def test_concurrent_callers_share_one_state() -> None:
    monitor = HealthMonitor()
    results: list[int] = []
    errors: list[BaseException] = []

    def worker() -> None:
        try:
            for _ in range(200):
                results.append(len(monitor.random_bytes(24)))
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=worker) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    assert results == [24] * 1600
