"""The offline auditor (:mod:`ledger.audit.auditor`), the per-envelope checks it can run
in worker processes (:mod:`ledger.audit.examine`) and the pool that runs them
(:mod:`ledger.audit.pool`)."""

from ledger.audit.auditor import Accepted, Auditor, AuditReport, ChainReport, Progress

__all__ = ["Accepted", "AuditReport", "Auditor", "ChainReport", "Progress"]
