"""The web dashboard served by ``skms serve`` at ``/ui`` (docs/dashboard.md).

``routes`` serves the built page (``assets/``, built from ``web/`` by ``make dashboard``),
the catalogue and schema documents the page builds commands and decodes envelopes with, and
sign-in; ``catalogue`` writes the catalogue document.
"""
