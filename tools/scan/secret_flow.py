"""A lint over the AST: secret-bearing values never reach a log call, an exception message
or a ``__repr__``.

What counts as secret-bearing is decided from names, the only thing an AST has:

1. A *secret word* is one of :data:`SECRET_WORDS` (``private_key``, ``seed``, ``passphrase``,
   ``kek``, ``plaintext``, ``data_key``, ``mnemonic``, ``share`` ...). An identifier is
   secret-bearing when its snake_case words contain a secret word and its last word is not
   a *public suffix* (:data:`PUBLIC_SUFFIXES`: ``_id``, ``_count``, ``_version``,
   ``_digest``, ``_index``, ``_len`` ...): ``seed`` and ``wallet_seed`` are, ``seed_version``,
   ``share_count`` and ``data_key_ref`` are not. Never secret: UPPER_CASE constants
   (``MAX_SHARES``), names saying the value is protected (``sealed_seed``,
   ``wrapped_data_key``: ciphertext), and dataclass fields typed ``Callable`` or ``bool``.
2. An expression is secret-bearing when it is such a name; an attribute whose name is
   secret-bearing, or whose name is neutral on a secret-bearing object (``share.value``),
   but not one with a public suffix (``share.index``); an item of a secret-bearing value;
   an operator or f-string over one; or a conversion of one (``str``, ``repr``,
   ``bytes``, ``.hex()``, ``.decode()``, ``.format()``, ``"".join``). Any other call
   (``len(shares)``, ``type(seed)``, ``sha256(seed)``) is taken to make it public.

Sinks:

* log calls: ``<x>.debug/info/warning/warn/error/exception/critical/log/msg(...)`` where
  ``<x>`` names a logger (its name contains ``log``), and ``print``;
* exception messages: every argument of the call in ``raise X(...)``;
* ``__repr__`` / ``__str__``: the returned expression;
* dataclasses: a field with a secret-bearing name in a ``@dataclass`` that does not turn
  ``repr`` off for the class or for that field.

A finding can be justified in place with ``# secret-ok: <reason>`` on its line.

    python tools/scan/secret_flow.py [PATH ...]      # default: ledger commands projections
"""

from __future__ import annotations

import ast
import re
import sys
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

SECRET_WORDS = frozenset({
    "private_key", "privkey", "private", "secret", "secrets", "seed", "passphrase",
    "password", "kek", "plaintext", "data_key", "mnemonic", "mnemonics", "share", "shares",
    "master_secret", "entropy", "signing_key", "nonce_secret",
})
PUBLIC_SUFFIXES = frozenset({
    "id", "ids", "version", "versions", "count", "counts", "index", "indexes", "indices",
    "digest", "digests", "size", "len", "length", "hash", "hashes", "fingerprint", "ref",
    "refs", "name", "names", "type", "types", "path", "paths", "kdf", "params", "scheme",
    "threshold", "language", "languages", "words", "commitments", "commitment", "field",
    "fields", "format", "label", "env", "file", "error", "errors", "check", "checks",
    "policy", "provider", "public", "public_key", "sizes", "bits", "kind", "source",
    "spec", "stage", "at", "bytes_len", "prefix", "domain", "context", "split", "splits",
})
PROTECTED_WORDS = frozenset({"sealed", "wrapped", "encrypted", "hashed"})
NEUTRAL_CONVERSIONS = frozenset({"str", "repr", "bytes", "bytearray", "format", "ascii"})
CONVERSION_METHODS = frozenset({"hex", "decode", "encode", "format", "join", "upper", "lower",
                                "strip", "lstrip", "rstrip", "replace", "__str__", "__repr__"})
LOG_METHODS = frozenset({"debug", "info", "warning", "warn", "error", "exception", "critical",
                         "log", "msg", "fatal"})
_WORDS = re.compile(r"[A-Za-z][a-z0-9]*")
JUSTIFIED = "secret-ok:"


def words_of(identifier: str) -> list[str]:
    return [w.lower() for w in re.split(r"_+", identifier.strip("_")) if w]


def is_secret_name(identifier: str) -> bool:
    """Rule 1: a secret word among the words, and the last word not a public suffix;
    never an UPPER_CASE constant, nor a name saying the value is protected (``sealed_``,
    ``wrapped_``, ``encrypted_``: ciphertext)."""
    words = words_of(identifier)
    if not words or words[-1] in PUBLIC_SUFFIXES or identifier.isupper():
        return False
    if PROTECTED_WORDS & set(words):
        return False
    joined = "_".join(words)
    if joined in PUBLIC_SUFFIXES:
        return False
    pairs = {"_".join(words[i:i + 2]) for i in range(len(words) - 1)}
    return any(w in SECRET_WORDS for w in words) or bool(pairs & SECRET_WORDS)


def is_public_name(identifier: str) -> bool:
    words = words_of(identifier)
    return bool(words) and (words[-1] in PUBLIC_SUFFIXES or "_".join(words) in PUBLIC_SUFFIXES)


def secret_in(node: ast.AST | None) -> str | None:
    """The secret-bearing name inside ``node`` (rule 2), or ``None``."""
    if node is None:
        return None
    if isinstance(node, ast.Name):
        return node.id if is_secret_name(node.id) else None
    if isinstance(node, ast.Attribute):
        if is_public_name(node.attr):
            return None
        if is_secret_name(node.attr):
            return node.attr
        return secret_in(node.value)
    if isinstance(node, ast.Subscript):
        return secret_in(node.value)
    if isinstance(node, ast.Starred):
        return secret_in(node.value)
    if isinstance(node, ast.BinOp):
        return secret_in(node.left) or secret_in(node.right)
    if isinstance(node, ast.JoinedStr):
        for part in node.values:
            if isinstance(part, ast.FormattedValue):
                found = secret_in(part.value)
                if found:
                    return found
        return None
    if isinstance(node, ast.FormattedValue):
        return secret_in(node.value)
    if isinstance(node, ast.IfExp):
        return secret_in(node.body) or secret_in(node.orelse)
    if isinstance(node, ast.BoolOp):
        return next((f for f in map(secret_in, node.values) if f), None)
    if isinstance(node, ast.Tuple | ast.List | ast.Set):
        return next((f for f in map(secret_in, node.elts) if f), None)
    if isinstance(node, ast.Dict):
        return next((f for f in map(secret_in, node.values) if f), None)
    if isinstance(node, ast.Call):
        func = node.func
        if isinstance(func, ast.Name) and func.id in NEUTRAL_CONVERSIONS:
            return next((f for f in map(secret_in, node.args) if f), None)
        if isinstance(func, ast.Attribute) and func.attr in CONVERSION_METHODS:
            return secret_in(func.value) or next(
                (f for f in map(secret_in, [*node.args, *(k.value for k in node.keywords)])
                 if f), None)
        return None
    return None


@dataclass(frozen=True)
class Finding:
    path: Path
    line: int
    sink: str
    name: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: secret-bearing {self.name!r} reaches {self.sink}"


def _is_logger(node: ast.AST) -> bool:
    if isinstance(node, ast.Name):
        return "log" in node.id.lower()
    if isinstance(node, ast.Attribute):
        return "log" in node.attr.lower() or _is_logger(node.value)
    if isinstance(node, ast.Call):
        return _is_logger(node.func)
    return False


def _call_arguments(call: ast.Call) -> Iterator[ast.AST]:
    yield from call.args
    for keyword in call.keywords:
        yield keyword.value


def _dataclass_repr_off(decorator: ast.expr) -> bool | None:
    """``None`` if not a dataclass decorator; else whether it passes ``repr=False``."""
    target = decorator.func if isinstance(decorator, ast.Call) else decorator
    name = target.attr if isinstance(target, ast.Attribute) else getattr(target, "id", "")
    if name != "dataclass":
        return None
    if isinstance(decorator, ast.Call):
        for keyword in decorator.keywords:
            if keyword.arg == "repr" and isinstance(keyword.value, ast.Constant):
                return keyword.value.value is False
    return False


def _field_repr_off(value: ast.expr | None) -> bool:
    if not isinstance(value, ast.Call):
        return False
    return any(k.arg == "repr" and isinstance(k.value, ast.Constant) and k.value.value is False
               for k in value.keywords)


def _holds_no_secret(annotation: ast.expr) -> bool:
    """A field holding a function (``from_seed: Callable[...]``) or a flag (``secret:
    bool``, ``reveals_secret: bool``: it says something is secret) holds no secret."""
    target = annotation.value if isinstance(annotation, ast.Subscript) else annotation
    name = target.attr if isinstance(target, ast.Attribute) else getattr(target, "id", "")
    return name in ("Callable", "bool")


class _Visitor(ast.NodeVisitor):
    def __init__(self, path: Path) -> None:
        self.path = path
        self.findings: list[Finding] = []
        self._in_repr = False

    def _report(self, node: ast.AST, sink: str, name: str) -> None:
        self.findings.append(Finding(self.path, getattr(node, "lineno", 0), sink, name))

    def visit_Call(self, node: ast.Call) -> None:
        func = node.func
        is_log = ((isinstance(func, ast.Attribute) and func.attr in LOG_METHODS
                   and _is_logger(func.value))
                  or (isinstance(func, ast.Name) and func.id == "print"))
        if is_log:
            for argument in _call_arguments(node):
                found = secret_in(argument)
                if found:
                    self._report(node, "a log call", found)
        self.generic_visit(node)

    def visit_Raise(self, node: ast.Raise) -> None:
        if isinstance(node.exc, ast.Call):
            for argument in _call_arguments(node.exc):
                found = secret_in(argument)
                if found:
                    self._report(node, "an exception message", found)
        self.generic_visit(node)

    def visit_FunctionDef(self, node: ast.FunctionDef) -> None:
        outer = self._in_repr
        self._in_repr = node.name in ("__repr__", "__str__")
        self.generic_visit(node)
        self._in_repr = outer

    def visit_Return(self, node: ast.Return) -> None:
        if self._in_repr:
            found = secret_in(node.value)
            if found:
                self._report(node, "a __repr__", found)
        self.generic_visit(node)

    def visit_ClassDef(self, node: ast.ClassDef) -> None:
        flags = [_dataclass_repr_off(d) for d in node.decorator_list]
        is_dataclass = any(f is not None for f in flags)
        if is_dataclass and not any(flags):
            custom_repr = any(isinstance(item, ast.FunctionDef) and item.name == "__repr__"
                              for item in node.body)
            for item in node.body:
                if (isinstance(item, ast.AnnAssign) and isinstance(item.target, ast.Name)
                        and is_secret_name(item.target.id) and not custom_repr
                        and not _field_repr_off(item.value)
                        and not _holds_no_secret(item.annotation)):
                    self._report(item, "a dataclass repr", item.target.id)
        self.generic_visit(node)


def check_source(source: str, path: Path) -> list[Finding]:
    """Every finding in one module, less those justified with ``# secret-ok: reason``."""
    visitor = _Visitor(path)
    visitor.visit(ast.parse(source, str(path)))
    lines = source.splitlines()
    return [f for f in visitor.findings
            if not (0 < f.line <= len(lines) and JUSTIFIED in lines[f.line - 1])]


def python_files(paths: Iterable[Path]) -> Iterator[Path]:
    for path in paths:
        if path.is_dir():
            yield from sorted(p for p in path.rglob("*.py") if "_generated" not in p.parts)
        else:
            yield path


def justified(paths: Iterable[Path]) -> list[tuple[Path, int, str]]:
    """Every ``# secret-ok:`` justification, for the report."""
    found = []
    for path in python_files(paths):
        for number, line in enumerate(path.read_text().splitlines(), start=1):
            if JUSTIFIED in line:
                found.append((path, number, line.split(JUSTIFIED, 1)[1].strip()))
    return found


def main(argv: list[str]) -> int:
    roots = [Path(a) for a in argv] or [Path("ledger"), Path("commands"), Path("projections")]
    findings = [f for path in python_files(roots) for f in check_source(path.read_text(), path)]
    for finding in findings:
        print(finding)
    reasons = justified(roots)
    for path, line, reason in reasons:
        print(f"{path}:{line}: justified: {reason}")
    files = sum(1 for _ in python_files(roots))
    print(f"secret flow: {files} files, {len(findings)} findings, {len(reasons)} justified")
    return 1 if findings else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
