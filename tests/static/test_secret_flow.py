"""No secret-bearing value reaches a log call, an exception message or a repr (AST lint).

The rule is ``tools/scan/secret_flow.py`` (its docstring lists what it checks); these
tests pin its behaviour on small snippets (each positive and negative case) and then run
it over the product, which must have no finding.
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

import pytest

from commands.sdk.client import Identity

ROOT = Path(__file__).resolve().parents[2]


def load_rule() -> ModuleType:
    spec = importlib.util.spec_from_file_location("secret_flow",
                                                  ROOT / "tools" / "scan" / "secret_flow.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["secret_flow"] = module
    spec.loader.exec_module(module)
    return module


rule = load_rule()


def findings(source: str) -> list[str]:
    return [f"{f.sink}:{f.name}" for f in rule.check_source(source, Path("snippet.py"))]


@pytest.mark.parametrize(("source", "expected"), [
    ('log.info("seed %s", seed)', ["a log call:seed"]),
    ('logger.warning(f"using {private_key.hex()}")', ["a log call:private_key"]),
    ('self.log.debug("kek=" + str(kek))', ["a log call:kek"]),
    ('print(mnemonic.text)', ["a log call:mnemonic"]),
    ('raise InvalidInput(f"bad share {share}")', ["an exception message:share"]),
    ('raise CryptoError("x", hint=passphrase)', ["an exception message:passphrase"]),
    ('raise ValueError("%s" % data_key)', ["an exception message:data_key"]),
    ('raise ValueError("{}".format(plaintext))', ["an exception message:plaintext"]),
    ('raise ValueError(f"{document.share}")', ["an exception message:share"]),
    ('raise ValueError(", ".join(shares))', ["an exception message:shares"]),
    ('raise ValueError(f"{shares[0].value}")', ["an exception message:shares"]),
    ("class K:\n    def __repr__(self):\n        return f'K({self.seed})'",
     ["a __repr__:seed"]),
    ("@dataclass\nclass K:\n    private_key: bytes", ["a dataclass repr:private_key"]),
    ("@dataclass(frozen=True)\nclass K:\n    wallet_seed: bytes",
     ["a dataclass repr:wallet_seed"]),
])
def test_secret_reaching_a_sink_is_found(source: str, expected: list[str]) -> None:
    assert findings(source) == expected


@pytest.mark.parametrize("source", [
    'log.info("seed version %d", seed_version)',
    'raise InvalidInput(f"{len(shares)} shares, need {threshold}")',
    'raise InvalidInput(f"share {share.index} is bad")',
    'raise InvalidInput(f"type {type(seed).__name__}")',
    'raise InvalidInput(f"digest {sha256(seed).hexdigest()}")',
    'raise InvalidInput(f"at most {MAX_SHARES}")',
    'raise InvalidInput("bad", field="mnemonic")',
    'log.info("stored %s", sealed_seed.hex())',
    'raise NotFound(f"no key ref {data_key_ref}")',
    'logger.info("share count %d", share_count)',
    'raise InvalidInput(f"{seed}")  # secret-ok: a test fixture, not a secret',
    "@dataclass(repr=False)\nclass K:\n    seed: bytes",
    "@dataclass\nclass K:\n    seed: bytes = field(repr=False)",
    "@dataclass\nclass K:\n    from_seed: Callable[[bytes], int]",
    "@dataclass\nclass K:\n    reveals_secret: bool = False",
    "@dataclass\nclass K:\n    seed: bytes\n    def __repr__(self):\n        return 'K(...)'",
    'display.info(seed)',  # not a logger
    'raise InvalidInput(message)',
])
def test_public_values_and_justified_lines_pass(source: str) -> None:
    assert findings(source) == []


def test_the_product_has_no_secret_flow_finding() -> None:
    roots = [ROOT / "ledger", ROOT / "commands", ROOT / "projections"]
    found = [str(f) for path in rule.python_files(roots)
             for f in rule.check_source(path.read_text(), path)]
    assert found == []


def test_the_sdk_identity_repr_hides_the_private_key() -> None:
    """The one finding of the first run (commands/sdk/client.py), fixed."""
    identity = Identity(bytes(range(32)), bytes(32))
    assert bytes(range(32)).hex() not in repr(identity) and "private_key" not in repr(identity)
