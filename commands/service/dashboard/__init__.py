"""The web dashboard served by ``skms serve`` at ``/ui`` (docs/dashboard.md).

``routes`` serves the page (``assets/``: plain ES modules and one stylesheet, shipped as
they are, with no build step and nothing from another origin), the catalogue and schema
documents the page builds commands and decodes envelopes with, and sign-in; ``catalogue``
writes the catalogue document. Sessions are :mod:`commands.service.sessions`.
"""
