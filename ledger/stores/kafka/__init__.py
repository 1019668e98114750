"""Event store on Apache Kafka (kafka-python), behind :class:`ledger.stores.base.EventStore`.

URL: ``kafka://host:port[,host:port...]?prefix=skms&timeout_ms=30000``. Query keys:

``prefix``                  topic name prefix (default ``skms``; letters, digits, ``._-``)
``timeout_ms``              bound on every broker round trip the store waits for (default 30000,
                            1000 to 500000)
``transaction_timeout_ms``  broker-side abort of a writer's open transaction (default 60000)
``client_id``               Kafka client id (default ``skms``)

Topics (created when missing; existing ones are checked and a bad setting raises
:class:`~ledger.errors.StoreMisconfigured` naming the topic and the setting):

``<prefix>.<chain>.events``       1 partition, ``cleanup.policy=delete``, ``retention.ms=-1``,
                                  ``retention.bytes=-1``; order matters, nothing ever expires
``<prefix>.<chain>.checkpoints``  same settings; signed checkpoints of the chain
``<prefix>.chains``               compacted registry: key = chain id, written in the same
                                  transaction as a chain's first envelopes, so a listed chain
                                  always has at least one envelope
``<prefix>.keyring``              compacted key-ring (see :mod:`ledger.stores.kafka.keyring`)
``<prefix>.owners``               with ``skms serve --cluster`` only: no records, one partition
                                  per ownership slot (:mod:`ledger.stores.kafka.ownership`)
``<prefix>.results``              with ``--cluster`` only: results kept for retries after a
                                  failover (:mod:`ledger.stores.kafka.results`)

Every topic has replication factor ``min(3, brokers)``, ``min.insync.replicas`` 2 with three or
more replicas (else 1) and ``unclean.leader.election.enable=false``. ``<chain>`` is the chain id
with every character outside ``[A-Za-z0-9-]`` written as ``_xx`` (hex of its UTF-8 bytes), so
any chain id maps to exactly one legal topic name; the registry keeps the real id.

Record encoding (format 1). The ledger's seq, never the Kafka offset, numbers an envelope:

* key: the seq in ASCII decimal; headers: ``skms-seq`` (same), ``skms-kind`` (``envelope`` /
  ``checkpoint`` / ``chain``), ``skms-format`` (``1``);
* value: UTF-8 JSON object ``{"format": 1, "chain_id", "seq", "event_hash", "body",
  "event_type", "aggregate_id", "aggregate_version", "command_id"}`` where ``event_hash`` and
  ``body`` are standard base64; a checkpoint is ``{"format": 1, "chain_id", "size", "note"}``
  keyed by its size.

Readers check that a chain's records carry seqs 0, 1, 2... with no gap or repeat and raise
:class:`~ledger.errors.StoreError` otherwise.

Writing. One transactional producer per chain, ``transactional_id = <prefix>.<chain>.writer``,
``acks=all``, idempotent. It is made on the first ``append``/``put_checkpoint`` of a chain:
``init_transactions`` fences any older writer of that chain (its next append raises
:class:`~ledger.errors.WriterFenced`) and settles its open transaction, and only then is the
chain read to the end (``read_committed``) to rebuild the head, the taken (aggregate id,
version) pairs and the command-id index that ``append`` checks. All envelopes of one
``append`` are one transaction; ``append`` returns only after the commit is confirmed (and,
normally, once ``read_committed`` readers see it: the commit markers are written just after
the coordinator confirms, so ``append`` waits for the last stable offset to pass them), and a
timeout aborts, drops the producer (the next append makes a new one, which settles the
in-doubt transaction before re-reading the chain) and raises
:class:`~ledger.errors.StoreUnavailable`. Checkpoints are written by the same producer: the
chain's writer owns its checkpoints too.

Reading (``read``, ``head``, ``checkpoints``, ``chains``, ``seqs_for_command``) never makes a
producer, so an auditor never fences the writer. It uses ``read_committed`` consumers with
manual assignment (no consumer group) that read up to the end offset taken when the call
starts. Each chain's index (seq -> offset, head, versions, command ids) is kept in memory
and caught up incrementally.
"""

from __future__ import annotations

from ledger.stores.kafka.errors import (
    is_fenced,
    kafka_errors_translated,
    translate,
)
from ledger.stores.kafka.producer import (
    abort_quietly,
    make_producer,
)
from ledger.stores.kafka.reading import (
    ReaderPool,
    close_quietly,
    scan,
)
from ledger.stores.kafka.records import (
    decode_checkpoint,
    decode_envelope,
    encode_checkpoint,
    encode_envelope,
)
from ledger.stores.kafka.settings import (
    FORMAT,
    KafkaSettings,
    TopicSpec,
    chain_token,
    chain_topics,
)
from ledger.stores.kafka.store import (
    KafkaEventStore,
    open_kafka_store,
)
from ledger.stores.kafka.topics import (
    TopicAdmin,
)

__all__ = [
    "FORMAT",
    "KafkaEventStore",
    "KafkaSettings",
    "ReaderPool",
    "TopicAdmin",
    "TopicSpec",
    "abort_quietly",
    "chain_token",
    "chain_topics",
    "close_quietly",
    "decode_checkpoint",
    "decode_envelope",
    "encode_checkpoint",
    "encode_envelope",
    "is_fenced",
    "kafka_errors_translated",
    "make_producer",
    "open_kafka_store",
    "scan",
    "translate",
]
