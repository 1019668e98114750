"""Approval quorums (M-of-N): which commands need approvers (:mod:`.policy`) and how the
ledger holds a command until they have decided (:mod:`.gate`). The auditor re-checks both
offline (:mod:`ledger.audit.approvals`)."""
