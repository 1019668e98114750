"""Bitcoin: addresses, PSBT v0 with taproot fields, sighashes, and the PSBT signer roles.

Layering (imports point down): ``encoding`` (wire format, scripts) <- ``taproot`` <-
``sighash`` <- ``psbt`` <- ``inputs`` <- ``signer``, ``combine``, ``finalize``;
``addresses`` sits beside ``inputs``. See docs/chains.md.
"""
