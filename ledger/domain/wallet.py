"""The Wallet aggregate: one HD wallet (BIP-39 seed) with its derived addresses and backups.

Requirements:

1. No event carries a mnemonic, seed, share or private key: the seed is in the log only
   sealed (AES-256-GCM under a data key kept in the key-ring), derivations record public
   keys and addresses, backups record commitment digests and custodians.
2. Every derivation is an event, so the log alone tells which addresses a wallet handed
   out, in which order, and which of them were used.
3. Next-address tracking with a gap limit: on each chain (purpose, coin, curve, account,
   change) addresses are handed out in index order. *Used* means marked used by a
   ``WalletAddressUsed`` event (the ledger sees no blockchain). A chain may run at most
   ``gap_limit`` unused addresses past its last used one, as BIP-44 wallet discovery
   assumes; deriving beyond that is refused.
4. Methods either emit exactly the events recording their decision or raise a
   :class:`~ledger.errors.CommandRejected` subclass and change nothing.
"""

from __future__ import annotations

from typing import Any

from ledger.domain.aggregate import Aggregate, Event
from ledger.domain.aggregate import Created as AggregateCreated
from ledger.domain.registry import register_event
from ledger.errors import IllegalTransition, InvalidInput


def chain_key(purpose: str, coin: str, curve: str, account: int, change: int) -> str:
    """One address chain of a wallet: where next-index and gap-limit counting happen."""
    return f"{purpose}/{coin}/{curve}/{account}/{change}"


def address_key(curve: str, path: str) -> str:
    """Names one derived key: SLIP-10 paths are the same on every curve, so the curve counts."""
    return f"{curve}:{path}"


class Wallet(Aggregate):
    """An HD wallet whose seed the ledger keeps sealed and never reveals."""

    domain: str
    label: str | None
    source: str
    word_count: int
    language: str
    has_passphrase: bool
    master_fingerprint: bytes
    seed_version: int
    seeds: dict[int, dict[str, Any]]
    purposes: list[str]
    curves: list[str]
    gap_limit: int
    created_at: int
    addresses: dict[str, dict[str, Any]]
    next_index: dict[str, int]
    last_used: dict[str, int]
    xpub_exports: list[dict[str, Any]]
    splits: dict[str, dict[str, Any]]
    recoveries: int

    class Created(AggregateCreated):
        event_type = "WalletCreated"
        wallet_id: str
        domain: str
        label: str | None
        source: str
        word_count: int
        language: str
        has_passphrase: bool
        master_fingerprint: bytes
        sealed_seed: bytes
        data_key_ref: str
        purposes: list[str]
        curves: list[str]
        gap_limit: int

        def apply(self, aggregate: Any) -> None:
            wallet: Wallet = aggregate
            wallet.domain = self.domain
            wallet.label = self.label
            wallet.source = self.source
            wallet.word_count = self.word_count
            wallet.language = self.language
            wallet.has_passphrase = self.has_passphrase
            wallet.master_fingerprint = self.master_fingerprint
            wallet.seed_version = 1
            wallet.seeds = {1: {"sealed_seed": self.sealed_seed,
                                "data_key_ref": self.data_key_ref}}
            wallet.purposes = list(self.purposes)
            wallet.curves = list(self.curves)
            wallet.gap_limit = self.gap_limit
            wallet.created_at = self.recorded_at
            wallet.addresses = {}
            wallet.next_index = {}
            wallet.last_used = {}
            wallet.xpub_exports = []
            wallet.splits = {}
            wallet.recoveries = 0

    class AddressDerived(Event):
        event_type = "WalletAddressDerived"
        wallet_id: str
        path: str
        purpose: str
        coin: str
        curve: str
        account: int
        change: int
        index: int
        public_key: bytes
        address: str | None
        actor_id: str

        def apply(self, aggregate: Any) -> None:
            key = chain_key(self.purpose, self.coin, self.curve, self.account, self.change)
            aggregate.addresses[address_key(self.curve, self.path)] = {
                "path": self.path, "purpose": self.purpose, "coin": self.coin,
                "curve": self.curve, "account": self.account, "change": self.change,
                "index": self.index, "public_key": self.public_key, "address": self.address,
                "chain": key, "used": False, "derived_at": self.recorded_at}
            aggregate.next_index[key] = self.index + 1

    class AddressUsed(Event):
        event_type = "WalletAddressUsed"
        wallet_id: str
        path: str
        curve: str
        actor_id: str

        def apply(self, aggregate: Any) -> None:
            row = aggregate.addresses[address_key(self.curve, self.path)]
            row["used"] = True
            key = row["chain"]
            aggregate.last_used[key] = max(aggregate.last_used.get(key, -1), row["index"])

    class XpubExported(Event):
        event_type = "WalletXpubExported"
        wallet_id: str
        purpose: str
        coin: str
        account: int
        account_path: str
        xpub: str
        actor_id: str

        def apply(self, aggregate: Any) -> None:
            aggregate.xpub_exports.append({
                "purpose": self.purpose, "coin": self.coin, "account": self.account,
                "account_path": self.account_path, "xpub": self.xpub,
                "actor_id": self.actor_id, "exported_at": self.recorded_at})

    class SecretSplit(Event):
        event_type = "SecretSplit"
        wallet_id: str
        split_id: str
        scheme: str
        seed_version: int
        threshold: int
        share_count: int
        custodians: list[str]
        commitment_digests: list[bytes]
        ciphertext_digest: bytes
        actor_id: str

        def apply(self, aggregate: Any) -> None:
            aggregate.splits[self.split_id] = {
                "split_id": self.split_id, "scheme": self.scheme,
                "seed_version": self.seed_version, "threshold": self.threshold,
                "share_count": self.share_count, "custodians": list(self.custodians),
                "commitment_digests": list(self.commitment_digests),
                "ciphertext_digest": self.ciphertext_digest, "recovered": 0,
                "created_at": self.recorded_at}

    class SecretRecovered(Event):
        event_type = "SecretRecovered"
        wallet_id: str
        split_id: str
        share_indexes: list[int]
        custodians: list[str]
        seed_version: int
        sealed_seed: bytes
        data_key_ref: str
        actor_id: str

        def apply(self, aggregate: Any) -> None:
            aggregate.splits[self.split_id]["recovered"] += 1
            aggregate.seeds[self.seed_version] = {"sealed_seed": self.sealed_seed,
                                                  "data_key_ref": self.data_key_ref}
            aggregate.seed_version = self.seed_version
            aggregate.recoveries += 1

    class ChainSignatureIssued(Event):
        """A blockchain transaction or message signed with keys derived from the seed
        (public facts only: see ``Key.ChainSignatureIssued``)."""

        event_type = "WalletChainSignatureIssued"
        wallet_id: str
        seed_version: int
        paths: list[str]
        public_keys: list[bytes]
        actor_id: str
        family: str
        network: str
        chain_id: str | None
        kind: str
        signer: str
        tx_hash: str | None
        input_digest: bytes
        digests: list[bytes]
        signature_digests: list[bytes]
        recipients: list[str]
        amounts: list[str]
        asset: str | None
        value: str
        fee: str | None

        def apply(self, aggregate: Any) -> None:
            """Nothing to change: the record is the point."""

    class ChainAddressDerived(Event):
        """A chain address of the wallet's account, derived and handed out (public facts)."""

        event_type = "WalletChainAddressDerived"
        wallet_id: str
        seed_version: int
        family: str
        network: str
        type: str
        path: str
        public_key: bytes
        address: str
        actor_id: str

        def apply(self, aggregate: Any) -> None:
            """Nothing to change: the record is the point (signing needs no prior address)."""

    # --- helpers -------------------------------------------------------------------------

    @property
    def wallet_id(self) -> str:
        return str(self.id)

    @property
    def sealed_seed(self) -> bytes:
        value: bytes = self.seeds[self.seed_version]["sealed_seed"]
        return value

    @property
    def data_key_ref(self) -> str:
        value: str = self.seeds[self.seed_version]["data_key_ref"]
        return value

    def unused_tail(self, key: str) -> int:
        """Unused addresses handed out after the chain's last used one."""
        return self.next_index.get(key, 0) - (self.last_used.get(key, -1) + 1)

    # --- decisions -----------------------------------------------------------------------

    def next_address_index(self, *, purpose: str, coin: str, curve: str, account: int,
                           change: int) -> int:
        """The index the next derivation on this chain must use; refuses past the gap limit.

        Called before the seed is unsealed, so a refusal touches no secret.
        """
        if purpose not in self.purposes:
            raise IllegalTransition(f"wallet {self.wallet_id} does not allow purpose "
                                    f"{purpose} (allowed: {', '.join(self.purposes)})",
                                    field="purpose", reason_code="purpose")
        if curve not in self.curves:
            raise IllegalTransition(f"wallet {self.wallet_id} does not allow curve {curve} "
                                    f"(allowed: {', '.join(self.curves)})", field="curve",
                                    reason_code="curve")
        key = chain_key(purpose, coin, curve, account, change)
        if self.unused_tail(key) >= self.gap_limit:
            raise IllegalTransition(
                f"chain {key} of wallet {self.wallet_id} already has {self.gap_limit} unused "
                "addresses after its last used one (the gap limit)",
                hint="mark an address used (skms wallet mark-used) before deriving more",
                reason_code="gap-limit")
        return self.next_index.get(key, 0)

    def record_address(self, *, actor_id: str, path: str, purpose: str, coin: str, curve: str,
                       account: int, change: int, index: int, public_key: bytes,
                       address: str | None, at: int) -> None:
        expected = self.next_address_index(purpose=purpose, coin=coin, curve=curve,
                                           account=account, change=change)
        if index != expected or address_key(curve, path) in self.addresses:
            raise IllegalTransition(f"address index {index} is not the next one ({expected})",
                                    reason_code="out-of-order")
        self.trigger_event(Wallet.AddressDerived, at=at, wallet_id=self.wallet_id, path=path,
                           purpose=purpose, coin=coin, curve=curve, account=account,
                           change=change, index=index, public_key=public_key,
                           address=address, actor_id=actor_id)

    def mark_used(self, *, actor_id: str, path: str, curve: str = "secp256k1", at: int) -> None:
        row = self.addresses.get(address_key(curve, path))
        if row is None:
            raise InvalidInput(f"wallet {self.wallet_id} derived no {curve} address at {path}",
                               field="path")
        if row["used"]:
            raise IllegalTransition(f"address {path} is already marked used",
                                    reason_code="already-used")
        self.trigger_event(Wallet.AddressUsed, at=at, wallet_id=self.wallet_id, path=path,
                           curve=curve, actor_id=actor_id)

    def record_chain_signature(self, *, actor_id: str, paths: list[str],
                               public_keys: list[bytes], facts: dict[str, Any],
                               at: int) -> None:
        """``facts``: the event's chain fields (see ``ChainSignatureIssued``)."""
        self.trigger_event(Wallet.ChainSignatureIssued, at=at, wallet_id=self.wallet_id,
                           seed_version=self.seed_version, paths=paths,
                           public_keys=public_keys, actor_id=actor_id, **facts)

    def record_chain_address(self, *, actor_id: str, family: str, network: str, type: str,
                             path: str, public_key: bytes, address: str, at: int) -> None:
        self.trigger_event(Wallet.ChainAddressDerived, at=at, wallet_id=self.wallet_id,
                           seed_version=self.seed_version, family=family, network=network,
                           type=type, path=path, public_key=public_key, address=address,
                           actor_id=actor_id)

    def check_can_export(self, purpose: str) -> None:
        if purpose not in self.purposes or purpose == "slip10":
            raise IllegalTransition(f"wallet {self.wallet_id} has no BIP-{purpose} accounts "
                                    "to export", field="purpose", reason_code="purpose")

    def record_xpub_export(self, *, actor_id: str, purpose: str, coin: str, account: int,
                           account_path: str, xpub: str, at: int) -> None:
        self.check_can_export(purpose)
        self.trigger_event(Wallet.XpubExported, at=at, wallet_id=self.wallet_id, purpose=purpose,
                           coin=coin, account=account, account_path=account_path, xpub=xpub,
                           actor_id=actor_id)

    def record_split(self, *, actor_id: str, split_id: str, scheme: str, threshold: int,
                     custodians: list[str], commitment_digests: list[bytes],
                     ciphertext_digest: bytes, at: int) -> None:
        if split_id in self.splits:
            raise IllegalTransition(f"split {split_id} already exists", reason_code="duplicate")
        if not 1 <= threshold <= len(custodians):
            raise InvalidInput("threshold must be between 1 and the number of shares",
                               field="threshold")
        self.trigger_event(Wallet.SecretSplit, at=at, wallet_id=self.wallet_id, split_id=split_id,
                           scheme=scheme, seed_version=self.seed_version, threshold=threshold,
                           share_count=len(custodians), custodians=list(custodians),
                           commitment_digests=list(commitment_digests),
                           ciphertext_digest=ciphertext_digest, actor_id=actor_id)

    def split(self, split_id: str) -> dict[str, Any]:
        found = self.splits.get(split_id)
        if found is None:
            raise InvalidInput(f"wallet {self.wallet_id} has no backup {split_id}",
                               field="split_id")
        return found

    def record_recovery(self, *, actor_id: str, split_id: str, share_indexes: list[int],
                        sealed_seed: bytes, data_key_ref: str, at: int) -> None:
        split = self.split(split_id)
        indexes = sorted(set(share_indexes))
        if len(indexes) != len(share_indexes) or len(indexes) < split["threshold"]:
            raise InvalidInput(f"recovery needs {split['threshold']} distinct shares",
                               field="shares")
        if not all(1 <= i <= split["share_count"] for i in indexes):
            raise InvalidInput("a share index is outside the backup", field="shares")
        custodians = [split["custodians"][i - 1] for i in indexes]
        self.trigger_event(Wallet.SecretRecovered, at=at, wallet_id=self.wallet_id,
                           split_id=split_id,
                           share_indexes=indexes, custodians=custodians,
                           seed_version=self.seed_version + 1, sealed_seed=sealed_seed,
                           data_key_ref=data_key_ref, actor_id=actor_id)


for _event in (Wallet.Created, Wallet.AddressDerived, Wallet.AddressUsed, Wallet.XpubExported,
               Wallet.SecretSplit, Wallet.SecretRecovered, Wallet.ChainSignatureIssued,
               Wallet.ChainAddressDerived):
    register_event(_event)
