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

import ctypes


def zeroize(buf: bytearray) -> None:
    """Overwrite every byte of ``buf`` with zero, in place, without resizing it.

    ``ctypes.memset`` writes straight into the existing allocation; a slice assignment
    would also work but builds a temporary zero buffer first. The length is kept so
    callers that reuse the buffer see the same size. Passing ``bytes`` is a programming
    error (it cannot be wiped), so it raises ``TypeError`` rather than silently doing nothing.
    """
    if not isinstance(buf, bytearray):
        raise TypeError("zeroize() needs a bytearray; immutable bytes cannot be wiped")
    size = len(buf)
    if size == 0:
        return
    view = (ctypes.c_char * size).from_buffer(buf)
    try:
        ctypes.memset(ctypes.addressof(view), 0, size)
    finally:
        # Drop the exported view at once so the bytearray can be resized later.
        del view
