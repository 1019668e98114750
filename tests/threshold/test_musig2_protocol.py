"""MuSig2 sessions end to end: the result is a BIP-340 signature; nonces are single use."""

from __future__ import annotations

import hashlib

import pytest
from coincurve import PublicKeyXOnly

from ledger.crypto.schnorr_bip340 import SCHEME as BIP340
from ledger.crypto.threshold.errors import InvalidSignatureShare
from ledger.crypto.threshold.musig2 import (
    SessionContext,
    individual_pubkey,
    key_agg_and_tweak,
    key_sort,
    nonce_agg,
    nonce_gen,
    partial_sig_agg,
    partial_sig_verify,
    sign,
    verify_bip340,
)
from ledger.errors import InvalidInput, InvalidSignature
from tests.threshold.helpers import seeded_rng

MESSAGE = hashlib.sha256(b"spend output 0").digest()


def _session(count: int, tweaks: tuple[bytes, ...] = (), xonly: tuple[bool, ...] = ()):  # type: ignore[no-untyped-def]
    rng = seeded_rng(count)
    secrets = [bytes(rng(32)) for _ in range(count)]
    pubkeys = key_sort([individual_pubkey(sk) for sk in secrets])
    by_key = {individual_pubkey(sk): sk for sk in secrets}
    aggpk = key_agg_and_tweak(pubkeys, tweaks, xonly).xonly_pubkey()
    nonces = [nonce_gen(by_key[pk], pk, aggpk, MESSAGE, rng=rng) for pk in pubkeys]
    session = SessionContext(nonce_agg([pub for _, pub in nonces]), tuple(pubkeys), tweaks,
                             xonly, MESSAGE)
    return pubkeys, by_key, nonces, session, aggpk


@pytest.mark.parametrize("count", [2, 3])
def test_session_gives_a_bip340_signature(count: int) -> None:
    pubkeys, by_key, nonces, session, aggpk = _session(count)
    psigs = [sign(nonces[i][0], by_key[pk], session) for i, pk in enumerate(pubkeys)]
    for i, psig in enumerate(psigs):
        partial_sig_verify(psig, [pub for _, pub in nonces], pubkeys, [], [], MESSAGE, i)
    signature = partial_sig_agg(psigs, session)
    verify_bip340(aggpk, MESSAGE, signature)
    assert PublicKeyXOnly(aggpk).verify(signature, MESSAGE)
    BIP340.verify(aggpk, MESSAGE, signature)
    with pytest.raises(InvalidSignature):
        verify_bip340(aggpk, MESSAGE[::-1], signature)


def test_taproot_style_xonly_tweak() -> None:
    tweak = hashlib.sha256(b"TapTweak stand-in").digest()
    pubkeys, by_key, nonces, session, aggpk = _session(2, (tweak,), (True,))
    psigs = [sign(nonces[i][0], by_key[pk], session) for i, pk in enumerate(pubkeys)]
    BIP340.verify(aggpk, MESSAGE, partial_sig_agg(psigs, session))


def test_secnonce_is_wiped_and_refused_the_second_time() -> None:
    pubkeys, by_key, nonces, session, _ = _session(2)
    secnonce = nonces[0][0]
    sign(secnonce, by_key[pubkeys[0]], session)
    assert secnonce[:64] == bytearray(64)
    with pytest.raises(InvalidInput, match="first secnonce value is out of range"):
        sign(secnonce, by_key[pubkeys[0]], session)


def test_wrong_partial_names_the_signer() -> None:
    pubkeys, by_key, nonces, session, _ = _session(3)
    psigs = [sign(nonces[i][0], by_key[pk], session) for i, pk in enumerate(pubkeys)]
    with pytest.raises(InvalidSignatureShare) as caught:
        partial_sig_verify(psigs[1], [pub for _, pub in nonces], pubkeys, [], [], MESSAGE, 2)
    assert caught.value.identifier == 2


def test_signing_with_another_key_than_the_nonce_was_made_for() -> None:
    pubkeys, by_key, nonces, session, _ = _session(2)
    with pytest.raises(InvalidInput, match="does not match nonce_gen"):
        sign(nonces[0][0], by_key[pubkeys[1]], session)
