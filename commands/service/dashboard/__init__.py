"""The web dashboard served by ``skms serve`` at ``/ui`` (docs/dashboard.md).

``routes`` serves the page (``assets/``: the HTML, one stylesheet and the esbuild bundle of
``ui/src``, committed and checked against its sources; nothing from another origin), the
catalogue and schema
documents the page builds commands and decodes envelopes with, and sign-in; ``catalogue``
writes the catalogue document. Sessions are :mod:`commands.service.sessions`.
"""
