"""The transcript of a Groth16 trusted-setup ceremony (``tools/zk/setup_ceremony.py``).

Why the ledger reads it: a circuit key is recorded with the SHA-256 of the transcript its
ceremony wrote, and registration checks that the proving key, witness generator and
verification key handed to it are the very files that transcript lists, so the ledger's
record ties every later proof to one ceremony that anyone holding the transcript can
inspect (which tools, which commands, which phase-1 size, every file's digest).

1. Strict JSON: an object of at most 64 KiB with ``format`` "skms-groth16-ceremony-v1",
   ``curve`` "bn128", ``power`` (8 to 16), ``tools`` (name → version text), ``circuits``
   (names), ``commands`` (lists of text: what was run; the entropy was never written) and
   ``files`` (relative path → 64 lower-case hex digits).
2. :meth:`CeremonyTranscript.check_circuit` refuses a circuit the transcript does not list
   and any file whose SHA-256 differs from the transcript's, naming the field.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass
from typing import Any

from ledger.errors import InvalidInput

__all__ = ["FORMAT", "MAX_TRANSCRIPT", "CeremonyTranscript"]

FORMAT = "skms-groth16-ceremony-v1"
MAX_TRANSCRIPT = 64 * 1024
_HEX64 = re.compile(r"[0-9a-f]{64}")
_NAME = re.compile(r"[a-z][a-z0-9_]{0,63}")


def _text_map(value: Any, what: str, pattern: re.Pattern[str] | None = None) -> dict[str, str]:
    if not isinstance(value, dict) or not all(
            isinstance(k, str) and isinstance(v, str) and len(k) <= 200 and len(v) <= 200
            for k, v in value.items()):
        raise InvalidInput(f"{what} must map names to text", field="transcript")
    if pattern is not None and not all(pattern.fullmatch(v) for v in value.values()):
        raise InvalidInput(f"{what} must hold SHA-256 digests (64 lower-case hex digits)",
                           field="transcript")
    return dict(value)


@dataclass(frozen=True)
class CeremonyTranscript:
    """A parsed transcript and the SHA-256 of its exact bytes (what the ledger records)."""

    digest: bytes
    curve: str
    power: int
    tools: dict[str, str]
    circuits: tuple[str, ...]
    files: dict[str, str]
    command_count: int

    @classmethod
    def from_bytes(cls, data: bytes) -> CeremonyTranscript:
        if not isinstance(data, bytes | bytearray) or len(data) > MAX_TRANSCRIPT:
            raise InvalidInput(f"a transcript is JSON of at most {MAX_TRANSCRIPT} bytes",
                               field="transcript")
        try:
            document = json.loads(bytes(data))
        except (ValueError, RecursionError):
            raise InvalidInput("the transcript is not JSON", field="transcript") from None
        if not isinstance(document, dict):
            raise InvalidInput("the transcript is not a JSON object", field="transcript")
        if document.get("format") != FORMAT:
            raise InvalidInput(f"the transcript's format is not {FORMAT}", field="transcript")
        if document.get("curve") != "bn128":
            raise InvalidInput("the ceremony is not on bn128 (BN254)", field="transcript")
        power = document.get("power")
        if isinstance(power, bool) or not isinstance(power, int) or not 8 <= power <= 16:
            raise InvalidInput("power must be an integer from 8 to 16", field="transcript")
        circuits = document.get("circuits")
        if not isinstance(circuits, list) or not circuits or not all(
                isinstance(c, str) and _NAME.fullmatch(c) for c in circuits):
            raise InvalidInput("circuits must be a list of circuit names", field="transcript")
        commands = document.get("commands")
        if not isinstance(commands, list) or not all(
                isinstance(c, list) and all(isinstance(part, str) for part in c)
                for c in commands):
            raise InvalidInput("commands must be lists of text", field="transcript")
        return cls(digest=hashlib.sha256(bytes(data)).digest(), curve="bn128", power=power,
                   tools=_text_map(document.get("tools"), "tools"),
                   circuits=tuple(circuits),
                   files=_text_map(document.get("files"), "files", _HEX64),
                   command_count=len(commands))

    def check_circuit(self, circuit: str, *, zkey: bytes, wasm: bytes, vkey: bytes) -> None:
        """Refuse unless the transcript lists ``circuit`` with exactly these files."""
        if circuit not in self.circuits:
            raise InvalidInput(f"the ceremony did not set up a circuit {circuit!r} (it set up "
                               f"{', '.join(self.circuits)})", field="circuit")
        expected = {"zkey": f"{circuit}.zkey", "wasm": f"{circuit}_js/{circuit}.wasm",
                    "vkey": f"{circuit}.vkey.json"}
        given = {"zkey": zkey, "wasm": wasm, "vkey": vkey}
        for field, path in expected.items():
            listed = self.files.get(path)
            if listed is None:
                raise InvalidInput(f"the transcript lists no {path}", field="transcript")
            if hashlib.sha256(given[field]).hexdigest() != listed:
                raise InvalidInput(f"this {field} is not the {path} of the ceremony's "
                                   "transcript", field=field)
