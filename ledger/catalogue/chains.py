"""Catalogue entries: signing blockchain transactions and messages with ledger keys.

Ethereum and EVM chains (EIP-155, EIP-2930, EIP-1559 transactions; EIP-191 personal_sign;
EIP-712 typed data), Bitcoin PSBTs (P2PKH, P2SH-P2WPKH, P2WPKH, P2TR key path, P2WSH
multisig) and Solana (legacy and v0 transactions, off-chain messages); addresses; and the
PSBT finalizer. See docs/chains.md.

As for ``Sign``, the transaction or message is an *input* that travels beside the signed
command; the command carries its SHA-256 (the actor vouches for exactly these bytes) and,
for transactions, the ``value`` it moves (the smallest unit, decimal text, computed by the
client from the input: :mod:`ledger.chains.declared`). ``value`` is the argument an
approval policy compares with a limit (the custody issue's ``value_field``); the handler
refuses a transaction that moves more than it declares.
"""

from __future__ import annotations

import dataclasses

from ledger.catalogue.fields import (
    KEY_ID,
    WALLET_ID,
    data,
    in_path,
    in_query,
    integer,
    listing,
    sha256_of,
    shaped,
    text,
)
from ledger.catalogue.model import (
    ChainRule,
    Cli,
    CliRoute,
    CommandSpec,
    Derived,
    Field,
    Hooks,
    ReadSpec,
    Route,
)
from ledger.catalogue.shapes import SHAPES
from ledger.chains.bitcoin.addresses import ADDRESS_TYPES, NETWORKS
from ledger.chains.bitcoin.sighash import SIGHASH_NAMES
from ledger.chains.solana import CLUSTERS
from ledger.domain.actor import ROLES

SIGNERS = frozenset({"signer"})
EVERY_ROLE = frozenset(ROLES)
MAX_TX = 1 << 20
MAX_PSBT = 1 << 22
MAX_MESSAGE = 1 << 16
VALUE_FIELD = "value"
"""The argument an approval policy's limit compares (``Hooks.value_field`` once the custody
issue's approvals are merged)."""
APPROVAL = "chain-transaction"
SIGHASH_CHOICES = tuple(SIGHASH_NAMES[t] for t in sorted(SIGHASH_NAMES))


def _value(rule: str, unit: str) -> Field:
    return text(VALUE_FIELD, f"What the transaction moves to others, in {unit}, decimal "
                "(computed by the client from the input; the handler refuses a transaction "
                "that moves more).", max_length=80,
                derived=Derived(rule, ("tx" if rule != "psbt-value" else "psbt",)),
                cli=Cli(hidden=True))


def _sign(name: str, doc: str, path: str, cli: tuple[str, ...], renderer: str, result: str,
          args: tuple[Field, ...], inputs: tuple[Field, ...],
          approval: str | None = None) -> CommandSpec:
    return CommandSpec(
        name=name, doc=doc, group="chains", roles=SIGNERS, chain=ChainRule.KEY,
        events=frozenset({"ChainSignatureIssued"}), args=(KEY_ID, *args), inputs=inputs,
        result=SHAPES[result], rest=Route("POST", f"/v1/keys/{{key_id}}/chains/{path}"),
        cli=CliRoute(("chain", *cli), renderer=renderer),
        hooks=Hooks(approval=approval,
                    value_field=VALUE_FIELD if approval == APPROVAL else None))


WALLET = dataclasses.replace(WALLET_ID, cli=Cli(option="--wallet"))
INDEX = integer("index", "Account index: m/44'/60'/0'/0/INDEX on EVM chains, "
                "m/44'/501'/INDEX'/0' on Solana.", required=False, default=0, minimum=0,
                maximum=2**31 - 1)


def _from_wallet(spec: CommandSpec, *, indexed: bool = True) -> CommandSpec:
    """The same command signed by an HD wallet's derived key(s): ``--wallet W`` on the CLI
    selects it instead of the key form."""
    assert spec.rest is not None and spec.cli is not None
    verb = spec.rest.path.split("/chains/", 1)[1]
    return dataclasses.replace(
        spec, name="Wallet" + spec.name, doc=spec.doc.replace(
            "with a secp256k1 key", "with a wallet's secp256k1 key").replace(
            "with an Ed25519 key", "with a wallet's Ed25519 (SLIP-10) key").replace(
            "this secp256k1 key's", "the wallet's"),
        chain=ChainRule.WALLET, events=frozenset({"WalletChainSignatureIssued"}),
        args=(WALLET, *((INDEX,) if indexed else ()), *spec.args[1:]),
        rest=Route("POST", f"/v1/wallets/{{wallet_id}}/chains/{verb}"),
        cli=dataclasses.replace(spec.cli, selector="--wallet"))


def _message(name: str, doc: str) -> Field:
    return data(name, doc, maximum=MAX_MESSAGE, cli=Cli(option="--input", reader="file"))


KEY_COMMANDS = (
    _sign("SignEvmTransaction", "Sign a legacy (EIP-155), EIP-2930 or EIP-1559 transaction "
          "(type chosen from the fields, as eth-account does) with a secp256k1 key; returns "
          "the raw transaction, its hash and the sender.", "evm/sign-transaction",
          ("eth", "sign-tx"), "evm-transaction", "EvmTransaction",
          (sha256_of("tx_digest", "tx", "SHA-256 of the transaction JSON."),
           text("network", "EVM chain: registry name or chain id (default: the "
                "transaction's chainId; both given must agree).", required=False,
                nullable=True, max_length=32, cli=Cli(option="--chain")),
           _value("evm-value", "wei")),
          (data("tx", "The transaction, JSON in eth-account's shape (camelCase fields, "
                "integers or 0x-hex).", maximum=MAX_TX, cli=Cli(option="--tx", reader="file")),),
          approval=APPROVAL),
    _sign("SignEvmMessage", "EIP-191 personal_sign of a message with a secp256k1 key: a "
          "65-byte r||s||v signature.", "evm/sign-message", ("eth", "sign-message"),
          "evm-signature", "EvmSignature",
          (sha256_of("message_digest", "message", "SHA-256 of the message."),),
          (_message("message", "The message (bytes)."),)),
    _sign("SignEvmTypedData", "EIP-712 typed data (the JSON eth_signTypedData_v4 takes: "
          "types, primaryType, domain, message) with a secp256k1 key.",
          "evm/sign-typed-data", ("eth", "sign-typed-data"), "evm-signature", "EvmSignature",
          (sha256_of("typed_data_digest", "typed_data", "SHA-256 of the typed-data JSON."),),
          (data("typed_data", "The typed data, JSON.", maximum=MAX_TX,
                cli=Cli(option="--data", reader="file")),)),
    _sign("SignPsbt", "Add this secp256k1 key's signatures to every PSBT input it can sign "
          "(by BIP-32 / taproot key origins or by script): P2PKH, P2SH-P2WPKH, P2WPKH, P2TR "
          "key path (BIP-341, SIGHASH_DEFAULT) and P2WSH m-of-n multisig. Inputs without "
          "their UTXO, or asking for a sighash type the key's chain policy does not allow "
          "(by default DEFAULT and ALL only), are refused.",
          "btc/sign-psbt", ("btc", "sign-psbt"), "psbt", "SignedPsbt",
          (sha256_of("psbt_digest", "psbt", "SHA-256 of the PSBT input as given."),
           text("network", "Bitcoin network (addresses in the record).", required=False,
                default="mainnet", max_length=16, choices=tuple(NETWORKS)),
           _value("psbt-value", "satoshi")),
          (data("psbt", "The PSBT (binary, or base64 text).", maximum=MAX_PSBT,
                cli=Cli(option="--psbt", reader="file")),),
          approval=APPROVAL),
    _sign("SignSolanaTransaction", "Sign a Solana wire transaction (legacy or v0) with an "
          "Ed25519 key where it is a required signer; other signatures are kept.",
          "sol/sign-transaction", ("sol", "sign-tx"), "solana-transaction",
          "SolanaTransaction",
          (sha256_of("tx_digest", "tx", "SHA-256 of the base64 transaction text."),
           text("cluster", "The cluster it is meant for (a wire transaction does not name "
                "one).", required=False, default="mainnet-beta", max_length=16,
                choices=CLUSTERS),
           _value("solana-value", "lamports")),
          (data("tx", "The wire transaction, base64 text.", maximum=MAX_TX,
                cli=Cli(option="--tx", reader="file")),),
          approval=APPROVAL),
    _sign("SignSolanaMessage", "Sign a Solana off-chain message (v0 preamble, UTF-8 text) "
          "with an Ed25519 key.", "sol/sign-message", ("sol", "sign-message"),
          "solana-message", "SolanaMessage",
          (sha256_of("message_digest", "message", "SHA-256 of the message."),),
          (_message("message", "The message, UTF-8 text."),)),
)

WALLET_COMMANDS = tuple(_from_wallet(spec, indexed=spec.name != "SignPsbt")
                        for spec in KEY_COMMANDS)
POLICY = CommandSpec(
    name="SetChainPolicy", doc="Restrict the networks a key may sign for, the recipients "
    "its transactions may pay and the Bitcoin sighash types it signs with (replaces the "
    "previous rules; empty: no restriction, sighash DEFAULT and ALL). A signature breaking "
    "them is refused and recorded.", group="chains",
    roles=frozenset({"key-manager", "admin"}), chain=ChainRule.KEY,
    events=frozenset({"KeyChainPolicySet"}),
    args=(KEY_ID,
          listing("allowed_networks", "Networks (EVM registry names, Bitcoin networks, Solana "
                  "clusters; 'any' admits messages bound to no chain).",
                  text("item", "A network.", max_length=64), required=False, default=[],
                  maximum=64, cli=Cli(option="--network")),
          listing("allowed_recipients", "Recipient addresses.",
                  text("item", "An address.", max_length=200), required=False, default=[],
                  maximum=1000, cli=Cli(option="--recipient")),
          listing("allowed_sighash", "Bitcoin sighash types its PSBT inputs may ask for "
                  "(empty: DEFAULT and ALL, which commit to every input and output); an input "
                  "asking for another is refused and recorded.",
                  text("item", "A sighash type.", max_length=32, choices=SIGHASH_CHOICES),
                  required=False, default=[], maximum=len(SIGHASH_CHOICES),
                  cli=Cli(option="--sighash"))),
    result=SHAPES["ChainPolicy"], rest=Route("POST", "/v1/keys/{key_id}/chains/policy"),
    cli=CliRoute(("chain", "policy"), renderer="chain-policy"), hooks=Hooks(approval="policy"))
HANDS = frozenset({"key-manager", "signer"})
"""Who may have a wallet hand out an address (as ``DeriveAddress``): public data, but a
derivation from the seed, so a recorded command rather than a read."""


def _wallet_address(name: str, doc: str, path: str, cli: str, *args: Field) -> CommandSpec:
    return CommandSpec(
        name=name, doc=doc, group="chains", roles=HANDS, chain=ChainRule.WALLET,
        events=frozenset({"WalletChainAddressDerived"}), args=(WALLET, *args),
        result=SHAPES["WalletChainAddress"],
        rest=Route("POST", f"/v1/wallets/{{wallet_id}}/chains/{path}/address"),
        cli=CliRoute(("chain", cli, "address"), selector="--wallet",
                     renderer="chain-address"))


BITCOIN_INDEX = integer("index", "Address index of account 0's receiving chain: "
                        "m/PURPOSE'/COIN'/0'/0/INDEX (purpose 44, 49, 84, 86 by type; coin 0 "
                        "on mainnet, 1 on testnet and regtest).", required=False, default=0,
                        minimum=0, maximum=2**31 - 1)
WALLET_ADDRESSES = (
    _wallet_address("WalletEvmAddress", "A wallet's EIP-55 address at m/44'/60'/0'/0/INDEX "
                    "(the account WalletSignEvmTransaction signs with at that index); the "
                    "derivation is recorded.", "evm", "eth", INDEX),
    _wallet_address("WalletBitcoinAddress", "A wallet's Bitcoin address of one type "
                    "(BIP-44 p2pkh, BIP-49 p2sh-p2wpkh, BIP-84 p2wpkh, BIP-86 p2tr key path) "
                    "and network; the derivation is recorded.", "btc", "btc",
                    text("type", "Address type.", required=False, default="p2wpkh",
                         max_length=16, choices=ADDRESS_TYPES),
                    text("network", "Network.", required=False, default="mainnet",
                         max_length=16, choices=tuple(NETWORKS)), BITCOIN_INDEX),
    _wallet_address("WalletSolanaAddress", "A wallet's Solana address (base58) at the SLIP-10 "
                    "path m/44'/501'/INDEX'/0'; the derivation is recorded.", "sol", "sol",
                    INDEX),
)
COMMANDS = (*KEY_COMMANDS, *WALLET_COMMANDS, *WALLET_ADDRESSES, POLICY)

_KEY = in_path(KEY_ID)


def _address(name: str, doc: str, path: str, cli: str,
             *params: Field) -> ReadSpec:
    return ReadSpec(name, doc, "chains", "keys.read", EVERY_ROLE, (_KEY, *params),
                    shaped("result", "The address.", "ChainAddress"),
                    rest=Route("GET", f"/v1/keys/{{key_id}}/chains/{path}/address"),
                    cli=CliRoute(("chain", cli, "address"), renderer="chain-address"))


READS = (
    _address("EvmAddress", "A secp256k1 key's EIP-55 address (the same on every EVM chain).",
             "evm", "eth"),
    _address("BitcoinAddress", "A secp256k1 key's Bitcoin address of one type and network.",
             "btc", "btc",
             in_query(text("type", "Address type.", required=False, default="p2wpkh",
                           max_length=16, choices=ADDRESS_TYPES)),
             in_query(text("network", "Network.", required=False, default="mainnet",
                           max_length=16, choices=tuple(NETWORKS)))),
    _address("SolanaAddress", "An Ed25519 key's Solana address (base58).", "sol", "sol"),
    ReadSpec("FinalizePsbt", "Finalize a fully signed PSBT (every signature is verified) and "
             "extract the network transaction.", "chains", "chains.finalize", EVERY_ROLE,
             (data("psbt", "The PSBT (binary, or base64 text).", maximum=MAX_PSBT,
                   cli=Cli(option="--psbt", reader="file")),),
             shaped("result", "The transaction.", "FinalizedPsbt"),
             rest=Route("POST", "/v1/chains/btc/finalize"),
             cli=CliRoute(("chain", "btc", "finalize"), renderer="finalized-psbt"),
             offline=True),
)
