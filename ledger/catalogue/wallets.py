"""Catalogue entries: HD wallets (BIP-39/32/44/49/84/86, SLIP-10) and their backups.

Secrets (a mnemonic to import, a BIP-39 passphrase, share documents) are inputs, never
signed arguments; the CLI reads them from files or stdin, never from its command line.
"""

from __future__ import annotations

import dataclasses

from ledger.catalogue.fields import (
    WALLET_ID,
    boolean,
    data,
    integer,
    listing,
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
    Route,
)
from ledger.catalogue.shapes import SHAPES
from ledger.crypto import hd
from ledger.recipes.wallet_backup import SCHEMES

KEY_MANAGERS = frozenset({"key-manager"})
HANDS = frozenset({"key-manager", "signer"})
COIN_CHOICES = tuple(sorted({coin for coins in hd.COINS.values() for coin in coins}))
MAX_CUSTODIANS = 16
MAX_GAP_LIMIT = 1000

SETTINGS = (
    text("label", "A label.", required=False, nullable=True, max_length=200),
    listing("purposes", "Allowed derivation schemes (default 44, 49, 84, 86).",
            text("item", "A purpose.", max_length=8, choices=hd.PURPOSES), required=False,
            minimum=1, maximum=len(hd.PURPOSES), cli=Cli(option="--purpose")),
    listing("curves", "Allowed curves (default secp256k1).",
            text("item", "A curve.", max_length=16, choices=tuple(hd.CURVES)),
            required=False, minimum=1, maximum=len(hd.CURVES), cli=Cli(option="--curve")),
    integer("gap_limit", "Unused addresses allowed per chain (default 20).", required=False,
            minimum=1, maximum=MAX_GAP_LIMIT),
)
PASSPHRASE = data("passphrase", "A BIP-39 passphrase (read from a file or stdin).",
                  required=False, default=b"", maximum=1024,
                  cli=Cli(option="--bip39-passphrase-file", reader="secret-file"))
ROUTE = (
    text("purpose", "Purpose.", required=False, default="84", max_length=8,
         choices=hd.PURPOSES),
    text("coin", "Coin (default: bitcoin, or none for slip10).", required=False,
         max_length=32, choices=COIN_CHOICES),
    text("curve", "Curve.", required=False, default="secp256k1", max_length=16,
         choices=tuple(hd.CURVES)),
    integer("account", "Account.", required=False, default=0, minimum=0,
            maximum=hd.MAX_INDEX),
)


def _wallet(name: str, doc: str, verb: str, event: str, result: str, *,
            args: tuple[Field, ...] = (), roles: frozenset[str] = KEY_MANAGERS,
            cli: tuple[str, ...] | None = None, renderer: str,
            hooks: Hooks | None = None) -> CommandSpec:
    return CommandSpec(
        name=name, doc=doc, group="wallets", roles=roles, chain=ChainRule.WALLET,
        events=frozenset({event}), args=(WALLET_ID, *args),
        result=SHAPES[result], rest=Route("POST", f"/v1/wallets/{{wallet_id}}/{verb}"),
        cli=CliRoute(cli or ("wallet", verb), renderer=renderer), hooks=hooks or Hooks())


COMMANDS = (
    CommandSpec(
        name="CreateWallet", doc="Create a wallet from fresh entropy; its mnemonic is in "
                                 "the result, once, and nowhere else.",
        group="wallets", roles=KEY_MANAGERS, chain=ChainRule.DOMAIN,
        events=frozenset({"WalletCreated"}),
        args=(integer("word_count", "Mnemonic words.", required=False, default=24,
                      choices=hd.WORD_COUNTS, cli=Cli(option="--words")),
              text("language", "BIP-39 wordlist.", required=False, default="english",
                   max_length=32, choices=tuple(hd.LANGUAGES)),
              boolean("has_passphrase", "Whether a BIP-39 passphrase is given.",
                      required=False, default=False,
                      derived=Derived("present", ("passphrase",)), cli=Cli(hidden=True)),
              *SETTINGS),
        inputs=(PASSPHRASE,), result=SHAPES["WalletCreation"],
        rest=Route("POST", "/v1/wallets"),
        cli=CliRoute(("wallet", "create"), renderer="wallet-created"),
        hooks=Hooks(reveals_secret=True)),
    CommandSpec(
        name="ImportWallet", doc="Import a mnemonic (checksum, strength and the signed "
                                 "master fingerprint are checked).",
        group="wallets", roles=KEY_MANAGERS, chain=ChainRule.DOMAIN,
        events=frozenset({"WalletCreated"}),
        args=(text("master_fingerprint", "The seed's BIP-32 master fingerprint (8 hex "
                   "digits).", max_length=8, derived=Derived(
                       "bip32-fingerprint", ("mnemonic", "passphrase")),
                   cli=Cli(hidden=True)),
              text("language", "BIP-39 wordlist (default: detected).", required=False,
                   nullable=True, max_length=32, choices=tuple(hd.LANGUAGES),
                   derived=Derived("mnemonic-language", ("mnemonic",)), cli=Cli(hidden=True)),
              boolean("has_passphrase", "Whether a BIP-39 passphrase is given.",
                      required=False, default=False,
                      derived=Derived("present", ("passphrase",)), cli=Cli(hidden=True)),
              boolean("allow_weak", "Import a publicly known test mnemonic anyway.",
                      required=False, default=False),
              *SETTINGS),
        inputs=(data("mnemonic", "The mnemonic (read from a file or stdin).",
                     maximum=1024, cli=Cli(option="--mnemonic-file", reader="secret-file")),
                PASSPHRASE),
        result=SHAPES["WalletImport"], rest=Route("POST", "/v1/wallets/import"),
        cli=CliRoute(("wallet", "import"), renderer="wallet-imported")),
    _wallet("DeriveAddress", "The next address of one chain (refused past the gap limit).",
            "addresses", "WalletAddressDerived", "DerivedAddress", roles=HANDS,
            args=(*ROUTE, integer("change", "0 receiving, 1 change.", required=False,
                                  default=0, minimum=0, maximum=1)),
            cli=("wallet", "derive"), renderer="address"),
    _wallet("MarkAddressUsed", "Mark a derived address used (the gap limit counts from "
            "the last used one).", "addresses/used", "WalletAddressUsed", "AddressUse",
            roles=HANDS,
            args=(text("path", "The address's derivation path.", max_length=200,
                       cli=Cli(positional=True)),
                  text("curve", "Curve.", required=False, default="secp256k1",
                       max_length=16, choices=tuple(hd.CURVES))),
            cli=("wallet", "mark-used"), renderer="address-used"),
    _wallet("ExportXpub", "An account's extended public key, for watch-only use.", "xpub",
            "WalletXpubExported", "Xpub", args=ROUTE, cli=("wallet", "xpub"),
            renderer="xpub"),
    _wallet("BackupWallet", "Split the seed threshold-of-n for named custodians; the share "
            "documents are in the result only.", "backups", "SecretSplit", "WalletBackup",
            args=(integer("threshold", "Shares needed to recover.", required=False,
                          default=2, minimum=1, maximum=MAX_CUSTODIANS),
                  listing("custodians", "Custodians, one share each.",
                          text("item", "A custodian.", max_length=100), minimum=1,
                          maximum=MAX_CUSTODIANS, cli=Cli(option="--custodian")),
                  text("scheme", "feldman (Shamir with Feldman commitments) or slip39.",
                       required=False, default="feldman", max_length=16,
                       choices=tuple(SCHEMES))),
            cli=("wallet", "backup"), renderer="backup",
            hooks=Hooks(approval="backup", reveals_secret=True)),
    CommandSpec(
        name="RecoverWallet", doc="Rebuild a wallet's seed from threshold shares and seal "
                                  "it again.",
        group="wallets", roles=KEY_MANAGERS, chain=ChainRule.WALLET,
        events=frozenset({"SecretRecovered"}),
        args=(dataclasses.replace(WALLET_ID, derived=Derived("share-field", ("shares",)),
                                  cli=Cli(hidden=True)),
              text("split_id", "The backup's id.", max_length=100,
                   derived=Derived("share-field", ("shares",)), cli=Cli(hidden=True)),
              listing("share_indexes", "The indexes of the presented shares.",
                      integer("item", "An index.", minimum=1, maximum=255),
                      minimum=1, maximum=MAX_CUSTODIANS,
                      derived=Derived("share-field", ("shares",)), cli=Cli(hidden=True))),
        inputs=(listing("shares", "Share documents (JSON), as BackupWallet made them.",
                        data("item", "A share document.", maximum=65536),
                        minimum=1, maximum=MAX_CUSTODIANS,
                        cli=Cli(positional=True, reader="files")),),
        result=SHAPES["WalletRecovery"], rest=Route("POST", "/v1/wallets/{wallet_id}/recover"),
        cli=CliRoute(("wallet", "recover"), renderer="recovered"),
        hooks=Hooks(approval="restore")),
)
