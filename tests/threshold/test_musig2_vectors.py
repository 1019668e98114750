"""Every BIP-327 vector file, valid cases and named error cases."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from ledger.crypto.threshold.errors import InvalidContribution, InvalidSignatureShare
from ledger.crypto.threshold.musig2 import (
    SessionContext,
    deterministic_sign,
    individual_pubkey,
    key_agg,
    key_agg_and_tweak,
    key_sort,
    nonce_agg,
    nonce_gen_with_randomness,
    partial_sig_agg,
    partial_sig_verify,
    partial_sig_verify_internal,
    sign,
    verify_bip340,
)
from ledger.errors import InvalidInput
from tests.vectors import load_json


def _hex(values: list[str]) -> list[bytes]:
    return [bytes.fromhex(v) for v in values]


def _expect_error(case: dict[str, Any], call: Callable[[], object]) -> None:
    """The BIP's error: invalid_contribution (signer, contrib) or value (exact message)."""
    error = case["error"]
    if error["type"] == "invalid_contribution":
        with pytest.raises(InvalidContribution) as caught:
            call()
        assert caught.value.signer == error["signer"]
        if "contrib" in error:
            assert caught.value.contrib == error["contrib"]
    else:
        assert error["type"] == "value"
        with pytest.raises(InvalidInput) as raised:
            call()
        assert raised.value.message == error["message"]


def test_key_sort() -> None:
    data = load_json("musig2/key_sort_vectors.json")
    assert key_sort(_hex(data["pubkeys"])) == _hex(data["sorted_pubkeys"])


def test_key_agg() -> None:
    data = load_json("musig2/key_agg_vectors.json")
    keys, tweaks = _hex(data["pubkeys"]), _hex(data["tweaks"])
    for case in data["valid_test_cases"]:
        assert key_agg([keys[i] for i in case["key_indices"]]).xonly_pubkey().hex().upper() \
            == case["expected"]
    assert len(data["error_test_cases"]) == 5
    for case in data["error_test_cases"]:
        _expect_error(case, lambda c=case: key_agg_and_tweak(
            [keys[i] for i in c["key_indices"]], [tweaks[i] for i in c["tweak_indices"]],
            c["is_xonly"]))


def test_nonce_gen() -> None:
    data = load_json("musig2/nonce_gen_vectors.json")
    def maybe(value: str | None) -> bytes | None:
        return None if value is None else bytes.fromhex(value)
    for case in data["test_cases"]:
        secnonce, pubnonce = nonce_gen_with_randomness(
            bytes.fromhex(case["rand_"]), maybe(case["sk"]), bytes.fromhex(case["pk"]),
            maybe(case["aggpk"]), maybe(case["msg"]), maybe(case["extra_in"]))
        assert bytes(secnonce).hex().upper() == case["expected_secnonce"]
        assert pubnonce.hex().upper() == case["expected_pubnonce"]


def test_nonce_agg() -> None:
    data = load_json("musig2/nonce_agg_vectors.json")
    nonces = _hex(data["pnonces"])
    for case in data["valid_test_cases"]:
        assert nonce_agg([nonces[i] for i in case["pnonce_indices"]]).hex().upper() \
            == case["expected"]
    assert len(data["error_test_cases"]) == 3
    for case in data["error_test_cases"]:
        _expect_error(case, lambda c=case: nonce_agg([nonces[i] for i in c["pnonce_indices"]]))


def test_sign_verify() -> None:
    data = load_json("musig2/sign_verify_vectors.json")
    sk = bytes.fromhex(data["sk"])
    keys, secnonces = _hex(data["pubkeys"]), _hex(data["secnonces"])
    pnonces, aggnonces, msgs = _hex(data["pnonces"]), _hex(data["aggnonces"]), _hex(data["msgs"])
    assert individual_pubkey(sk) == keys[0]
    assert nonce_agg([pnonces[0], pnonces[1], pnonces[2]]) == aggnonces[0]
    assert nonce_agg([pnonces[0], pnonces[3]]) == aggnonces[1]  # infinity: 33 zero bytes twice
    for case in data["valid_test_cases"]:
        pubkeys = tuple(keys[i] for i in case["key_indices"])
        pubnonces = [pnonces[i] for i in case["nonce_indices"]]
        aggnonce = aggnonces[case["aggnonce_index"]]
        assert nonce_agg(pubnonces) == aggnonce
        msg = msgs[case["msg_index"]]
        session = SessionContext(aggnonce, pubkeys, (), (), msg)
        psig = sign(bytearray(secnonces[0]), sk, session)
        assert psig.hex().upper() == case["expected"]
        partial_sig_verify(psig, pubnonces, list(pubkeys), [], [], msg, case["signer_index"])
    assert len(data["sign_error_test_cases"]) == 6
    for case in data["sign_error_test_cases"]:
        session = SessionContext(aggnonces[case["aggnonce_index"]],
                                 tuple(keys[i] for i in case["key_indices"]), (), (),
                                 msgs[case["msg_index"]])
        secnonce = bytearray(secnonces[case["secnonce_index"]])
        _expect_error(case, lambda s=session, n=secnonce: sign(n, sk, s))
    for case in data["verify_fail_test_cases"]:
        with pytest.raises(InvalidSignatureShare) as caught:
            partial_sig_verify(bytes.fromhex(case["sig"]),
                               [pnonces[i] for i in case["nonce_indices"]],
                               [keys[i] for i in case["key_indices"]], [], [],
                               msgs[case["msg_index"]], case["signer_index"])
        assert caught.value.identifier == case["signer_index"]
    assert len(data["verify_error_test_cases"]) == 2
    for case in data["verify_error_test_cases"]:
        _expect_error(case, lambda c=case: partial_sig_verify(
            bytes.fromhex(c["sig"]), [pnonces[i] for i in c["nonce_indices"]],
            [keys[i] for i in c["key_indices"]], [], [], msgs[c["msg_index"]],
            c["signer_index"]))


def test_tweaks() -> None:
    data = load_json("musig2/tweak_vectors.json")
    sk, secnonce = bytes.fromhex(data["sk"]), bytes.fromhex(data["secnonce"])
    keys, pnonces, tweaks = _hex(data["pubkeys"]), _hex(data["pnonces"]), _hex(data["tweaks"])
    aggnonce, msg = bytes.fromhex(data["aggnonce"]), bytes.fromhex(data["msg"])
    assert nonce_agg(pnonces[:3]) == aggnonce
    for case in data["valid_test_cases"]:
        pubkeys = tuple(keys[i] for i in case["key_indices"])
        chosen = tuple(tweaks[i] for i in case["tweak_indices"])
        session = SessionContext(aggnonce, pubkeys, chosen, tuple(case["is_xonly"]), msg)
        psig = sign(bytearray(secnonce), sk, session)
        assert psig.hex().upper() == case["expected"]
        partial_sig_verify(psig, [pnonces[i] for i in case["nonce_indices"]], list(pubkeys),
                           list(chosen), case["is_xonly"], msg, case["signer_index"])
    for case in data["error_test_cases"]:
        session = SessionContext(aggnonce, tuple(keys[i] for i in case["key_indices"]),
                                 tuple(tweaks[i] for i in case["tweak_indices"]),
                                 tuple(case["is_xonly"]), msg)
        _expect_error(case, lambda s=session: sign(bytearray(secnonce), sk, s))


def test_deterministic_sign() -> None:
    data = load_json("musig2/det_sign_vectors.json")
    sk, keys, msgs = bytes.fromhex(data["sk"]), _hex(data["pubkeys"]), _hex(data["msgs"])
    for case in data["valid_test_cases"]:
        pubkeys = [keys[i] for i in case["key_indices"]]
        other = bytes.fromhex(case["aggothernonce"])
        rand = None if case["rand"] is None else bytes.fromhex(case["rand"])
        tweaks = _hex(case["tweaks"])
        msg = msgs[case["msg_index"]]
        pubnonce, psig = deterministic_sign(sk, other, pubkeys, tweaks, case["is_xonly"], msg,
                                            rand)
        assert [pubnonce.hex().upper(), psig.hex().upper()] == case["expected"]
        session = SessionContext(nonce_agg([other, pubnonce]), tuple(pubkeys), tuple(tweaks),
                                 tuple(case["is_xonly"]), msg)
        partial_sig_verify_internal(psig, pubnonce, pubkeys[case["signer_index"]], session,
                                    case["signer_index"])
    assert len(data["error_test_cases"]) == 5
    for case in data["error_test_cases"]:
        rand = None if case["rand"] is None else bytes.fromhex(case["rand"])
        _expect_error(case, lambda c=case, r=rand: deterministic_sign(
            sk, bytes.fromhex(c["aggothernonce"]), [keys[i] for i in c["key_indices"]],
            _hex(c["tweaks"]), c["is_xonly"], msgs[c["msg_index"]], r))


def test_sig_agg() -> None:
    data = load_json("musig2/sig_agg_vectors.json")
    keys, pnonces = _hex(data["pubkeys"]), _hex(data["pnonces"])
    tweaks, psigs, msg = _hex(data["tweaks"]), _hex(data["psigs"]), bytes.fromhex(data["msg"])
    for case in data["valid_test_cases"]:
        aggnonce = bytes.fromhex(case["aggnonce"])
        assert nonce_agg([pnonces[i] for i in case["nonce_indices"]]) == aggnonce
        pubkeys = tuple(keys[i] for i in case["key_indices"])
        chosen = tuple(tweaks[i] for i in case["tweak_indices"])
        session = SessionContext(aggnonce, pubkeys, chosen, tuple(case["is_xonly"]), msg)
        signature = partial_sig_agg([psigs[i] for i in case["psig_indices"]], session)
        assert signature.hex().upper() == case["expected"]
        aggpk = key_agg_and_tweak(pubkeys, chosen, case["is_xonly"]).xonly_pubkey()
        verify_bip340(aggpk, msg, signature)
    for case in data["error_test_cases"]:
        session = SessionContext(nonce_agg([pnonces[i] for i in case["nonce_indices"]]),
                                 tuple(keys[i] for i in case["key_indices"]),
                                 tuple(tweaks[i] for i in case["tweak_indices"]),
                                 tuple(case["is_xonly"]), msg)
        _expect_error(case, lambda c=case, s=session: partial_sig_agg(
            [psigs[i] for i in c["psig_indices"]], s))
