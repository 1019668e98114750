"""Random bytes from the OS CSPRNG, screened by SP 800-90B-style health tests.

Why screen the OS generator at all: a key ledger that mints keys from a stuck, mocked or
badly virtualised random source produces keys that look fine and are worthless. The two
continuous tests of NIST SP 800-90B §4.4 are cheap and catch exactly those catastrophic
failures (a source stuck on a value, or one value dominating the output). They cannot prove
the bytes are unpredictable; a DRBG with a fixed seed passes them. They are an alarm, not an
entropy assessment.

Parameters (each sample is one byte):

* ``H`` (claimed min-entropy per sample) = 4 bits. The OS CSPRNG emits conditioned output
  whose nominal min-entropy is 8 bits per byte; we deliberately claim half. Under-claiming is
  the conservative direction in 90B (the claim must not exceed the true value) and only
  raises the cutoffs. It matters in practice: with ``H = 8`` the repetition cutoff would be
  4, so a healthy source would trip the test once every 2**24 bytes, i.e. about one process
  start in 16,000 would fail its 1024-sample start-up test. With ``H = 4`` the real false-alarm
  rate of a healthy source is about 2**-40 per byte, while a stuck source still fails within
  6 bytes and a source with one value above ~12 % of its output fails within a window.
* ``alpha`` (false-positive probability per test, under the claim) = 2**-20, the loosest
  value 90B recommends, so the tests are as sensitive as the standard allows.
* Repetition Count Test (§4.4.1): ``C = 1 + ceil(-log2(alpha) / H) = 1 + ceil(20 / 4) = 6``.
  Six identical bytes in a row fail.
* Adaptive Proportion Test (§4.4.2): window ``W = 512`` (the non-binary value), cutoff
  ``C = 1 + CRITBINOM(W, 2**-H, 1 - alpha) = 62``: the first byte of a window appearing 62
  times among the window's 512 bytes fails. ``tests/crypto/test_entropy.py`` recomputes both
  cutoffs from the formulas with exact arithmetic.

State: calls are often shorter than the 512-byte window, so the test state (current run,
current window) is process-wide and spans calls, guarded by a lock. At first use, and again
after any failure, a start-up test (§4.3) runs both tests over 1024 fresh samples that are
then discarded. On any failure the bytes read are wiped, :class:`EntropyHealthError` is
raised, nothing is returned, and the next call must pass a new start-up test: a transient
alarm heals by itself, a broken source keeps failing.
"""

from __future__ import annotations

import hashlib
import os
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from cryptography.hazmat.primitives.ciphers import Cipher, algorithms

from ledger.crypto.memory import zeroize
from ledger.errors import EntropyHealthError, InvalidInput

__all__ = [
    "ALPHA_LOG2",
    "APT_CUTOFF",
    "APT_WINDOW",
    "CLAIMED_MIN_ENTROPY_BITS",
    "MAX_REQUEST",
    "RCT_CUTOFF",
    "STARTUP_SAMPLES",
    "HealthMonitor",
    "ReproducibleStream",
    "random_bytes",
    "reproducible_randomness",
]

CLAIMED_MIN_ENTROPY_BITS = 4
ALPHA_LOG2 = 20  # alpha = 2**-20
RCT_CUTOFF = 6  # 1 + ceil(20 / 4)
APT_WINDOW = 512
APT_CUTOFF = 62  # 1 + CRITBINOM(512, 2**-4, 1 - 2**-20)
STARTUP_SAMPLES = 1024
MAX_REQUEST = 1 << 20  # far above any key or nonce; bounds a runaway caller

Source = Callable[[int], bytes]

_HINT = (
    "the operating system's random generator looks broken (stuck or heavily biased "
    "output); nothing was generated. Check the host or VM entropy configuration."
)


class HealthMonitor:
    """Continuous RCT + APT state over one stream of byte samples.

    One process-wide instance serves :func:`random_bytes`; tests build their own so they
    can feed broken sources without touching the shared state.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._started = False
        self._reset_counters()

    def _reset_counters(self) -> None:
        self._rct_value = -1  # -1: no previous sample
        self._rct_count = 0
        self._apt_value = -1  # -1: no window open
        self._apt_count = 0
        self._apt_seen = 0

    def random_bytes(self, n: int, source: Source = os.urandom) -> bytearray:
        """``n`` bytes from ``source`` that passed the health tests (see module docstring)."""
        if isinstance(n, bool) or not isinstance(n, int) or not 0 <= n <= MAX_REQUEST:
            raise InvalidInput(
                f"random byte count must be an integer in [0, {MAX_REQUEST}]", field="n"
            )
        with self._lock:
            if not self._started:
                startup = self._read(source, STARTUP_SAMPLES)
                try:
                    self._screen(startup, stage="start-up")
                finally:
                    zeroize(startup)
                self._started = True
            out = self._read(source, n)
            try:
                self._screen(out, stage="continuous")
            except EntropyHealthError:
                zeroize(out)
                raise
            return out

    def _read(self, source: Source, n: int) -> bytearray:
        try:
            raw = source(n)
        except OSError:
            self._fail_state()
            raise EntropyHealthError(
                "the OS random generator could not be read", hint=_HINT
            ) from None
        # ``raw`` is immutable and cannot be wiped; copy it into a buffer we own and drop it.
        out = bytearray(raw)
        del raw
        if len(out) != n:
            zeroize(out)
            self._fail_state()
            raise EntropyHealthError(
                "the random source returned the wrong number of bytes", hint=_HINT
            )
        return out

    def _fail_state(self) -> None:
        # Forget everything and demand a fresh start-up test on the next call.
        self._started = False
        self._reset_counters()

    def _screen(self, samples: bytearray, *, stage: str) -> None:
        """Run both continuous tests over ``samples``, carrying state across calls."""
        rct_value, rct_count = self._rct_value, self._rct_count
        apt_value, apt_count, apt_seen = self._apt_value, self._apt_count, self._apt_seen
        failed = ""
        for sample in samples:
            # Repetition Count Test, SP 800-90B §4.4.1.
            if sample == rct_value:
                rct_count += 1
                if rct_count >= RCT_CUTOFF:
                    failed = "repetition count"
                    break
            else:
                rct_value, rct_count = sample, 1
            # Adaptive Proportion Test, SP 800-90B §4.4.2: the first sample of each window
            # is the reference; count its recurrences among the window's W samples.
            if apt_seen == 0:
                apt_value, apt_count, apt_seen = sample, 1, 1
            else:
                apt_seen += 1
                if sample == apt_value:
                    apt_count += 1
                    if apt_count >= APT_CUTOFF:
                        failed = "adaptive proportion"
                        break
                if apt_seen >= APT_WINDOW:
                    apt_seen = 0
        if failed:
            self._fail_state()
            raise EntropyHealthError(
                f"OS random bytes failed the {stage} {failed} health test "
                "(SP 800-90B §4.4); nothing was generated",
                hint=_HINT,
            )
        self._rct_value, self._rct_count = rct_value, rct_count
        self._apt_value, self._apt_count, self._apt_seen = apt_value, apt_count, apt_seen


_MONITOR = HealthMonitor()


def random_bytes(n: int, *, source: Source = os.urandom) -> bytearray:
    """Return ``n`` health-tested bytes from the OS CSPRNG as a buffer the caller must wipe.

    Why a ``bytearray``: the result is usually key material, and only a mutable buffer can be
    zeroed (:func:`ledger.crypto.memory.zeroize`) once used. ``source`` exists so tests can
    inject a broken generator; production code never passes it.

    Raises :class:`EntropyHealthError` (and returns nothing) when a health test fails.
    """
    override = _REPRODUCIBLE
    if override is not None and source is os.urandom:
        return override.read(n)
    return _MONITOR.random_bytes(n, source)


class ReproducibleStream:
    """The ChaCha20 keystream under SHA-256("skms reproducible randomness" || seed).

    Why a stream cipher's keystream: it is the DRBG construction of OpenBSD's arc4random and
    Linux's getrandom, built here from a vetted primitive rather than invented; one stream
    per seed never repeats within 2**64 blocks, so nonces drawn from it do not collide inside
    one throw-away ledger. It is predictable by design: anyone with the seed has every key.
    """

    def __init__(self, seed: bytes) -> None:
        if not isinstance(seed, bytes) or not seed:
            raise InvalidInput("a reproducible seed must be non-empty bytes", field="seed")
        key = hashlib.sha256(b"skms reproducible randomness\x00" + seed).digest()
        self._keystream = Cipher(algorithms.ChaCha20(key, bytes(16)), mode=None).encryptor()
        self._lock = threading.Lock()

    def read(self, n: int) -> bytearray:
        if isinstance(n, bool) or not isinstance(n, int) or not 0 <= n <= MAX_REQUEST:
            raise InvalidInput(
                f"random byte count must be an integer in [0, {MAX_REQUEST}]", field="n"
            )
        with self._lock:
            return bytearray(self._keystream.update(bytes(n)))


_REPRODUCIBLE: ReproducibleStream | None = None


@contextmanager
def reproducible_randomness(seed: bytes) -> Iterator[None]:
    """Within the block, every :func:`random_bytes` of this process comes from
    :class:`ReproducibleStream` (``seed``): the same sequence of calls mints the same keys.

    Only throw-away test ledgers ask for this (``skms serve --ephemeral --seed``, the pytest
    plugin); ``skms serve`` refuses ``--seed`` otherwise. Process-wide on purpose: key seeds,
    salts and nonces are drawn deep inside the recipes, which take no generator parameter.
    Not nestable: a second seed while one is in force is refused.
    """
    global _REPRODUCIBLE
    if _REPRODUCIBLE is not None:
        raise InvalidInput("reproducible randomness is already in force", field="seed")
    _REPRODUCIBLE = ReproducibleStream(seed)
    try:
        yield
    finally:
        _REPRODUCIBLE = None
