"""Privacy-preserving primitives: proofs of possession, ring and blind signatures, Paillier.

One module per concern, each built on a vetted library's arithmetic (libsodium through
pynacl, libsecp256k1 through coincurve, OpenSSL through cryptography, Python's integers)
exactly as its RFC or paper says:

* :mod:`.pok`: Schnorr non-interactive proof of knowledge of a discrete log (RFC 8235) over
  Ed25519 and secp256k1, bound to a verifier's one-time challenge and context.
* :mod:`.ring`: linkable ring signatures (LSAG, CryptoNote / "Zero to Monero") over Ed25519.
* :mod:`.blind_rsa`: RSA blind signatures (RFC 9474), the four RSABSSA-SHA384 variants.
* :mod:`.paillier`: Paillier additively homomorphic encryption.

Beneath them: :mod:`.group` (the prime-order group interface) with :mod:`.ed25519_group`
and :mod:`.secp256k1_group`, :mod:`.emsa_pss` (RFC 8017 encoding), :mod:`.bigint` (the only
blinded big-integer arithmetic), :mod:`.wire` (length prefixes, the strict reader) and
:mod:`.fuzz_targets`.

Nothing here records ledger events: the key kinds (:mod:`.kinds`) put these keys in the
ledger, and ``commands/handlers/privacy.py`` records every use (docs/privacy.md).
"""
