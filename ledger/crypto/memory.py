"""Best-effort wiping of secret buffers we own.

Why this exists: private keys, data keys and KEKs cross our interfaces as ``bytearray`` so
the code that created a buffer can overwrite it once the secret is no longer needed,
shrinking the window in which a memory dump, core file or swapped page exposes it.

Limits, stated honestly: Python cannot wipe immutable ``bytes`` or ``int`` objects, and the
vetted libraries we call (pynacl, coincurve, cryptography) keep their own copies for the
duration of a call. Zeroing our own buffers is still worth doing because it removes the
long-lived copies, the ones that sit in caches, sessions and stores.
"""

from __future__ import annotations


def zeroize(buf: bytearray) -> None:
    """Overwrite every byte of ``buf`` with zero, in place, without resizing it.

    A same-length slice assignment copies the zeros into the existing allocation (CPython
    resizes a ``bytearray`` only when the lengths differ), so no copy of the secret is left
    in a freed block; the temporary it copies from holds only zeros. It costs a fifth of a
    ``ctypes.memset`` through a buffer view, and the ledger wipes several buffers per
    signature. Passing ``bytes`` is a programming error (it cannot be wiped), so it raises
    ``TypeError`` rather than silently doing nothing.
    """
    if not isinstance(buf, bytearray):
        raise TypeError("zeroize() needs a bytearray; immutable bytes cannot be wiped")
    buf[:] = bytes(len(buf))
