#!/bin/sh
# compose's one-shot skms-init (runs in the skms image as its non-root user): the ledger on
# the Kafka store (once), then an auditor identity "prometheus" and its client certificate
# and key (PKCS#8 Ed25519, what Prometheus presents to scrape /metrics over mTLS), and the
# development CA Prometheus trusts, into /home/skms/metrics-client (on the home volume, which
# the skms user owns; Prometheus mounts only that subdirectory, read-only). The CA and server
# certificate name localhost/127.0.0.1, so Prometheus' scrape config sets server_name: localhost.
set -eu
skms() { /opt/skms/bin/skms --passphrase-file /run/secrets/skms-passphrase --store "$SKMS_STORE" "$@"; }

if [ ! -f "$SKMS_HOME/config.json" ]; then
    skms init --name compose
fi
if ! skms actor show prometheus >/dev/null 2>&1; then
    skms actor add prometheus --role auditor >/dev/null
fi
OUT=/home/skms/metrics-client
mkdir -p "$OUT"
umask 077
skms serve --issue-client-cert prometheus > "$OUT/client.pem"
skms serve --export-dashboard-key prometheus > "$OUT/client.key"
cp "$SKMS_HOME/tls/ca.pem" "$OUT/ca.pem"
# Prometheus runs as another user and sees this directory only (a subpath mount).
chmod 0755 "$OUT"
chmod 0444 "$OUT/client.pem" "$OUT/client.key" "$OUT/ca.pem"
echo "skms-init: ledger ready, prometheus' client certificate in $OUT"
