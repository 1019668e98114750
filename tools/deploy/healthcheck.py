"""The image's HEALTHCHECK: GET /healthz on the local REST listener, exit 0 when it answers ok.

Why a script and not curl: the image carries no curl, and the service speaks TLS 1.3 with its
own development CA by default. The CA the check trusts is ``$SKMS_HEALTH_CA``, else the home's
development CA (``$SKMS_HOME/tls/ca.pem``, whose server certificate names 127.0.0.1); with
neither (an operator's certificate for other names) the loopback connection is made without
verification, as a kubelet's HTTPS probe does. ``$SKMS_HEALTH_URL`` overrides the URL
(default ``https://127.0.0.1:8443/healthz``; use http:// for ``serve --no-tls``).
"""

from __future__ import annotations

import json
import os
import ssl
import sys
import urllib.request
from pathlib import Path


def context(url: str) -> ssl.SSLContext | None:
    if not url.startswith("https://"):
        return None
    home = Path(os.environ.get("SKMS_HOME") or Path.home() / ".skms")
    ca = Path(os.environ.get("SKMS_HEALTH_CA") or home / "tls" / "ca.pem")
    if ca.is_file():
        return ssl.create_default_context(cafile=str(ca))
    unverified = ssl.create_default_context()
    unverified.check_hostname = False
    unverified.verify_mode = ssl.CERT_NONE
    return unverified


def main() -> int:
    url = os.environ.get("SKMS_HEALTH_URL", "https://127.0.0.1:8443/healthz")
    try:
        with urllib.request.urlopen(url, timeout=4, context=context(url)) as response:
            healthy = response.status == 200 and json.load(response).get("status") == "ok"
    except (OSError, ValueError) as exc:
        print(f"unhealthy: {exc}", file=sys.stderr)
        return 1
    return 0 if healthy else 1


if __name__ == "__main__":
    sys.exit(main())
