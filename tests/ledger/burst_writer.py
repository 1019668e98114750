"""A writer process for the crash tests: issues commands forever, printing each ack.

An ack line is printed only after the command returned, i.e. after its events committed.
"""

from __future__ import annotations

import sys
from pathlib import Path

from tests.ledger.conftest import new_session


def main() -> None:
    home = Path(sys.argv[1])
    session = new_session(home)
    ledger = session.ledger()
    key_ids = [k for k, key in ledger.keys.items() if key.state.value == "active"]
    number = 0
    while True:
        number += 1
        if number % 5 == 1 or not key_ids:
            outcome = session.act("alice", "CreateKey", "default", {"algorithm": "ed25519"})
            key_ids.append(outcome.result["key_id"])
        else:
            outcome = session.sign("bob", key_ids[number % len(key_ids)], f"m{number}".encode())
        print("ACK", outcome.chain_id, ",".join(map(str, outcome.seqs)), flush=True)


if __name__ == "__main__":
    main()
