"""Signing for blockchains: Ethereum/EVM, Bitcoin (PSBT) and Solana, from ledger keys.

Requirements this package meets:

1. Each chain's own well-kept library does the encoding (eth-account for Ethereum, solders
   for Solana); where no library covers the standard (Bitcoin PSBT with BIP-371 taproot
   fields), the encoding is ours, written from the BIPs and proved by their vectors.
2. The signature itself is always made here, with coincurve (secp256k1 ECDSA and BIP-340)
   or pynacl (Ed25519): the private key crosses as a ``bytearray`` the caller zeroes (or an
   HD :class:`ledger.crypto.hd.Node`), and never enters a chain library.
3. Every signing call returns the signed artifact and a :class:`ChainFacts`: the public
   facts a ledger event will record (chain, network, transaction hash, signer, recipients
   and values, digests signed). Nothing secret is in it.
4. Parsers are strict: bad input raises :class:`ledger.errors.InvalidInput` naming the field.
"""
