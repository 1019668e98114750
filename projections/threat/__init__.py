"""Threat detection on ledger activity: baselines from the read models (:mod:`.baseline`),
an explainable score (:mod:`.scoring`) and the findings as rows (:mod:`.report`).
docs/threat-detection.md gives the model and its formulas."""
