"""Threshold key material: one participant's secret share and the group's public package.

1. :class:`PublicKeyPackage` is public: the suite, the group public key, every
   participant's verifying share (``s_i·B``), and the threshold ``min_signers``. It is what a
   ledger records for a threshold key and what a coordinator needs to verify signature
   shares. ``from_dict`` decodes every point and checks that the verifying shares lie on one
   polynomial of degree ``min_signers - 1`` whose value at 0 is the group key, so a package
   with a swapped or made-up share is refused.
2. :class:`KeyShare` is secret: a participant's signing share ``s_i`` (a ``bytearray``,
   wiped by :meth:`KeyShare.zeroize`) with the public values it needs to sign. Its
   ``to_dict`` is marked ``"secret": true`` and exists only so the share can be *sealed*
   (encrypted under the participant's KEK); it must never be logged or sent.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from ledger.crypto.memory import zeroize
from ledger.crypto.threshold.ciphersuite import KeyGenSuite
from ledger.crypto.threshold.encoding import (
    FORMAT_VERSION,
    check_shape,
    parse_hex,
    parse_int,
    parse_int_list,
)
from ledger.crypto.threshold.polynomial import (
    MAX_PARTICIPANTS,
    check_identifier,
    lagrange_coefficient,
)
from ledger.crypto.threshold.suites import suite_by_name
from ledger.errors import InvalidInput

__all__ = ["KeyShare", "PublicKeyPackage"]

_PACKAGE = "threshold-public-key-package"
_SHARE = "threshold-key-share"


@dataclass(frozen=True, slots=True)
class PublicKeyPackage:
    """Group key, verifying shares by identifier, and the threshold (all public)."""

    suite: KeyGenSuite
    group_public_key: bytes
    verifying_shares: Mapping[int, bytes]  # secret-ok: public points
    min_signers: int

    @property
    def participants(self) -> list[int]:
        return sorted(self.verifying_shares)

    @property
    def max_signers(self) -> int:
        return len(self.verifying_shares)

    def verifying_share(self, identifier: int) -> bytes:
        share = self.verifying_shares.get(identifier)
        if share is None:
            raise InvalidInput(f"participant {identifier} is not in this group",
                               field="identifier")
        return share

    def check_consistency(self) -> None:
        """Every verifying share and the group key lie on one degree ``t-1`` polynomial.

        Interpolates in the exponent from the first ``min_signers`` shares to 0 and to every
        other participant; O((n - t + 1)·t) scalar multiplications.
        """
        group = self.suite.group
        base = self.participants[: self.min_signers]
        targets = [(0, self.group_public_key)] + [
            (j, self.verifying_shares[j]) for j in self.participants[self.min_signers:]]
        for at, expected in targets:
            value = group.identity()
            for i in base:
                coefficient = lagrange_coefficient(group.scalars, base, i, at)
                value = group.add(value, group.scalar_mult(coefficient,
                                                           self.verifying_shares[i]))
            if not group.equal(value, expected):
                where = "group public key" if at == 0 else f"verifying share of {at}"
                raise InvalidInput(f"the {where} is not consistent with the others",
                                   field="verifying_shares")

    def to_dict(self) -> dict[str, Any]:
        group = self.suite.group
        return {
            "type": _PACKAGE,
            "version": FORMAT_VERSION,
            "suite": self.suite.name,
            "group_public_key": group.serialize_element(self.group_public_key).hex(),
            "min_signers": self.min_signers,
            "participants": self.participants,
            "verifying_shares": [group.serialize_element(self.verifying_shares[i]).hex()
                                 for i in self.participants],
        }

    @classmethod
    def from_dict(cls, data: object) -> PublicKeyPackage:
        fields = check_shape(data, _PACKAGE, frozenset(
            {"suite", "group_public_key", "min_signers", "participants", "verifying_shares"}))
        suite = suite_by_name(fields["suite"], f"{_PACKAGE}.suite")
        group = suite.group
        size = group.element_size
        public_key = group.deserialize_element(
            parse_hex(fields["group_public_key"], f"{_PACKAGE}.group_public_key", size),
            f"{_PACKAGE}.group_public_key")
        participants = parse_int_list(fields["participants"], f"{_PACKAGE}.participants",
                                      1, MAX_PARTICIPANTS)
        raw_shares = fields["verifying_shares"]
        if not isinstance(raw_shares, list) or len(raw_shares) != len(participants):
            raise InvalidInput("need one verifying share per participant",
                               field=f"{_PACKAGE}.verifying_shares")
        shares = {
            identifier: group.deserialize_element(
                parse_hex(value, f"{_PACKAGE}.verifying_shares", size),
                f"{_PACKAGE}.verifying_shares")
            for identifier, value in zip(participants, raw_shares, strict=True)}
        min_signers = parse_int(fields["min_signers"], f"{_PACKAGE}.min_signers",
                                2, max(2, len(participants)))
        package = cls(suite, public_key, shares, min_signers)
        package.check_consistency()
        return package


@dataclass(slots=True, repr=False)
class KeyShare:
    """One participant's signing share (secret) and the public values it signs with."""

    suite: KeyGenSuite
    identifier: int
    signing_share: bytearray
    verifying_share: bytes
    group_public_key: bytes
    min_signers: int
    wiped: bool = field(default=False)

    def secret_scalar(self) -> bytes:
        """A copy of the signing share for one computation (refused once wiped)."""
        if self.wiped:
            raise InvalidInput("this key share was wiped", field="key_share")
        return bytes(self.signing_share)

    def zeroize(self) -> None:
        zeroize(self.signing_share)
        self.wiped = True

    def to_dict(self) -> dict[str, Any]:
        """The sealable form (``"secret": true``): never log or send it."""
        group = self.suite.group
        return {
            "type": _SHARE,
            "version": FORMAT_VERSION,
            "secret": True,
            "suite": self.suite.name,
            "identifier": self.identifier,
            "signing_share": self.secret_scalar().hex(),
            "verifying_share": group.serialize_element(self.verifying_share).hex(),
            "group_public_key": group.serialize_element(self.group_public_key).hex(),
            "min_signers": self.min_signers,
        }

    @classmethod
    def from_dict(cls, data: object) -> KeyShare:
        fields = check_shape(data, _SHARE, frozenset(
            {"secret", "suite", "identifier", "signing_share", "verifying_share",
             "group_public_key", "min_signers"}))
        if fields["secret"] is not True:
            raise InvalidInput("a key share must be marked secret", field=f"{_SHARE}.secret")
        suite = suite_by_name(fields["suite"], f"{_SHARE}.suite")
        group = suite.group
        identifier = check_identifier(fields["identifier"], f"{_SHARE}.identifier")
        signing_share = bytearray(group.scalars.deserialize(
            parse_hex(fields["signing_share"], f"{_SHARE}.signing_share",
                      group.scalars.size), f"{_SHARE}.signing_share"))
        verifying_share = group.deserialize_element(
            parse_hex(fields["verifying_share"], f"{_SHARE}.verifying_share",
                      group.element_size), f"{_SHARE}.verifying_share")
        public_key = group.deserialize_element(
            parse_hex(fields["group_public_key"], f"{_SHARE}.group_public_key",
                      group.element_size), f"{_SHARE}.group_public_key")
        min_signers = parse_int(fields["min_signers"], f"{_SHARE}.min_signers",
                                2, MAX_PARTICIPANTS)
        if not group.equal(group.scalar_base_mult(bytes(signing_share)), verifying_share):
            zeroize(signing_share)
            raise InvalidInput("the signing share does not match its verifying share",
                               field=f"{_SHARE}.signing_share")
        return cls(suite, identifier, signing_share, verifying_share, public_key, min_signers)

    def __repr__(self) -> str:
        return (f"KeyShare(suite={self.suite.name!r}, identifier={self.identifier}, "
                f"min_signers={self.min_signers}, <secret>)")
