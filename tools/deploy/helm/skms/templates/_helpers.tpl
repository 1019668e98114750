{{- define "skms.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{- define "skms.fullname" -}}
{{- if .Values.fullnameOverride -}}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name (include "skms.name" .) | trunc 63 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}

{{- define "skms.selectorLabels" -}}
app.kubernetes.io/name: {{ include "skms.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end -}}

{{- define "skms.labels" -}}
{{ include "skms.selectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version }}
skms.mode: {{ .Values.mode }}
{{- end -}}

{{/* The Secret holding the passphrase (key `passphrase`). */}}
{{- define "skms.passphraseSecret" -}}
{{- default (printf "%s-passphrase" (include "skms.fullname" .)) .Values.passphrase.existingSecret -}}
{{- end -}}

{{/* The Secret holding the PKCS#11 user PIN (key `pin`). */}}
{{- define "skms.pinSecret" -}}
{{- default (printf "%s-pkcs11-pin" (include "skms.fullname" .)) .Values.pkcs11.existingSecret -}}
{{- end -}}

{{- define "skms.checkValues" -}}
{{- if not (has .Values.mode (list "embedded" "kafka")) -}}
{{- fail "mode must be embedded or kafka" -}}
{{- end -}}
{{- if not (has .Values.kek (list "passphrase" "pkcs11")) -}}
{{- fail "kek must be passphrase or pkcs11" -}}
{{- end -}}
{{- if and (eq .Values.kek "passphrase") (not .Values.passphrase.existingSecret) (not .Values.passphrase.value) -}}
{{- fail "kek=passphrase needs passphrase.existingSecret or passphrase.value" -}}
{{- end -}}
{{- if and (eq .Values.kek "pkcs11") (not .Values.pkcs11.existingSecret) (not .Values.pkcs11.pin) -}}
{{- fail "kek=pkcs11 needs pkcs11.existingSecret or pkcs11.pin" -}}
{{- end -}}
{{- if and (eq .Values.mode "kafka") (not .Values.kafka.url) -}}
{{- fail "mode=kafka needs kafka.url (kafka://HOST:PORT,...)" -}}
{{- end -}}
{{- if and (eq .Values.mode "kafka") (not .Values.kafka.homeSecret) -}}
{{- fail "mode=kafka needs kafka.homeSecret (a Secret with key home.tar: docs/deploy.md)" -}}
{{- end -}}
{{- end -}}

{{/* The `skms ... serve` command line. */}}
{{- define "skms.serveArgs" -}}
{{- if eq .Values.kek "passphrase" }}
- --passphrase-file
- /run/secrets/skms/passphrase
{{- end }}
{{- if eq .Values.mode "kafka" }}
- --store
- {{ .Values.kafka.url | quote }}
{{- end }}
- serve
- --host
- 0.0.0.0
- --rest-port
- {{ .Values.service.restPort | quote }}
- --grpc-port
- {{ .Values.service.grpcPort | quote }}
{{- if .Values.tls.secretName }}
- --tls-cert
- /run/secrets/skms-tls/tls.crt
- --tls-key
- /run/secrets/skms-tls/tls.key
{{- end }}
{{- with .Values.tracing.otlpEndpoint }}
- --otlp-endpoint
- {{ . | quote }}
{{- end }}
{{- with .Values.tracing.zipkinEndpoint }}
- --zipkin-endpoint
- {{ . | quote }}
{{- end }}
{{- range .Values.publicAuthorities }}
- --public-authority
- {{ . | quote }}
{{- end }}
{{- range .Values.serveArgs }}
- {{ . | quote }}
{{- end }}
{{- end -}}

{{- define "skms.containerSecurityContext" -}}
allowPrivilegeEscalation: false
readOnlyRootFilesystem: true
runAsNonRoot: true
runAsUser: {{ .Values.uid }}
runAsGroup: {{ .Values.uid }}
capabilities:
  drop: ["ALL"]
seccompProfile:
  type: RuntimeDefault
{{- end -}}

{{/* The pod spec both modes share; .home is the home volume's name. */}}
{{- define "skms.podSpec" -}}
serviceAccountName: {{ include "skms.fullname" . }}
automountServiceAccountToken: false
enableServiceLinks: false
securityContext:
  runAsNonRoot: true
  runAsUser: {{ .Values.uid }}
  runAsGroup: {{ .Values.uid }}
  fsGroup: {{ .Values.uid }}
  fsGroupChangePolicy: OnRootMismatch
  seccompProfile:
    type: RuntimeDefault
{{- with .Values.nodeSelector }}
nodeSelector:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- with .Values.tolerations }}
tolerations:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- with .Values.affinity }}
affinity:
  {{- toYaml . | nindent 2 }}
{{- end }}
initContainers:
  {{- if eq .Values.kek "pkcs11" }}
  # The PIN file must be mode 0600 (ledger/hsm/token.py refuses group-readable ones); a Secret
  # volume with fsGroup is group-readable, so a 0600 copy goes to a memory-backed emptyDir.
  - name: pin
    image: "{{ .Values.image.repository }}:{{ .Values.image.tag }}"
    imagePullPolicy: {{ .Values.image.pullPolicy }}
    command: ["/usr/bin/install", "-m", "0600", "/run/secrets/skms-pin/pin", "/run/skms-pin/pin"]
    securityContext:
      {{- include "skms.containerSecurityContext" . | nindent 6 }}
    volumeMounts:
      - { name: pin-secret, mountPath: /run/secrets/skms-pin, readOnly: true }
      - { name: pin, mountPath: /run/skms-pin }
  {{- end }}
  {{- if eq .Values.mode "embedded" }}
  # `skms init` once: only when the volume holds no ledger yet.
  - name: init
    image: "{{ .Values.image.repository }}:{{ .Values.image.tag }}"
    imagePullPolicy: {{ .Values.image.pullPolicy }}
    command:
      - /bin/sh
      - -ec
      - >-
        test -f "$SKMS_HOME/config.json" ||
        exec /opt/skms/bin/skms
        {{- if eq .Values.kek "passphrase" }} --passphrase-file /run/secrets/skms/passphrase{{ end }}
        init --name {{ .Values.init.name | quote }}
        --checkpoint-every {{ .Values.init.checkpointEvery }}
        --checkpoint-seconds {{ .Values.init.checkpointSeconds }}
        {{- if eq .Values.kek "pkcs11" }}
        --kek pkcs11 --pkcs11-module {{ .Values.pkcs11.module | quote }}
        --token-label {{ .Values.pkcs11.tokenLabel | quote }} --pin-file /run/skms-pin/pin
        {{- end }}
  {{- else }}
  # The home (config.json, sealed identities) from the Secret, into the writable emptyDir.
  - name: home
    image: "{{ .Values.image.repository }}:{{ .Values.image.tag }}"
    imagePullPolicy: {{ .Values.image.pullPolicy }}
    command:
      - /bin/sh
      - -ec
      - mkdir -p "$SKMS_HOME" && tar -C "$SKMS_HOME" -xf /run/secrets/skms-home/home.tar
  {{- end }}
    env:
      - { name: SKMS_HOME, value: /home/skms/ledger }
      {{- if eq .Values.kek "pkcs11" }}
      - { name: SKMS_PKCS11_PIN_FILE, value: /run/skms-pin/pin }
      {{- end }}
    securityContext:
      {{- include "skms.containerSecurityContext" . | nindent 6 }}
    volumeMounts:
      {{- include "skms.volumeMounts" . | nindent 6 }}
containers:
  - name: skms
    image: "{{ .Values.image.repository }}:{{ .Values.image.tag }}"
    imagePullPolicy: {{ .Values.image.pullPolicy }}
    args:
      {{- include "skms.serveArgs" . | nindent 6 }}
    env:
      - { name: SKMS_HOME, value: /home/skms/ledger }
      {{- if eq .Values.kek "pkcs11" }}
      - { name: SKMS_PKCS11_PIN_FILE, value: /run/skms-pin/pin }
      {{- end }}
    ports:
      - { name: rest, containerPort: {{ .Values.service.restPort }}, protocol: TCP }
      - { name: grpc, containerPort: {{ .Values.service.grpcPort }}, protocol: TCP }
    startupProbe:
      httpGet: { path: /healthz, port: rest, scheme: HTTPS }
      periodSeconds: {{ .Values.probes.startup.periodSeconds }}
      failureThreshold: {{ .Values.probes.startup.failureThreshold }}
    livenessProbe:
      httpGet: { path: /healthz, port: rest, scheme: HTTPS }
      {{- toYaml .Values.probes.liveness | nindent 6 }}
    readinessProbe:
      httpGet: { path: /readyz, port: rest, scheme: HTTPS }
      {{- toYaml .Values.probes.readiness | nindent 6 }}
    resources:
      {{- toYaml .Values.resources | nindent 6 }}
    securityContext:
      {{- include "skms.containerSecurityContext" . | nindent 6 }}
    volumeMounts:
      {{- include "skms.volumeMounts" . | nindent 6 }}
volumes:
  - name: tmp
    emptyDir: { sizeLimit: 64Mi }
  {{- if eq .Values.mode "kafka" }}
  - name: home
    emptyDir: { sizeLimit: 1Gi }
  - name: home-secret
    secret: { secretName: {{ .Values.kafka.homeSecret | quote }}, defaultMode: 0400 }
  {{- end }}
  {{- if eq .Values.kek "passphrase" }}
  - name: passphrase
    secret: { secretName: {{ include "skms.passphraseSecret" . | quote }}, defaultMode: 0400 }
  {{- else }}
  - name: pin-secret
    secret: { secretName: {{ include "skms.pinSecret" . | quote }}, defaultMode: 0400 }
  - name: pin
    emptyDir: { medium: Memory, sizeLimit: 1Mi }
  {{- end }}
  {{- if .Values.tls.secretName }}
  - name: tls
    secret: { secretName: {{ .Values.tls.secretName | quote }}, defaultMode: 0400 }
  {{- end }}
{{- end -}}

{{- define "skms.volumeMounts" -}}
- { name: home, mountPath: /home/skms }
- { name: tmp, mountPath: /tmp }
{{- if eq .Values.mode "kafka" }}
- { name: home-secret, mountPath: /run/secrets/skms-home, readOnly: true }
{{- end }}
{{- if eq .Values.kek "passphrase" }}
- { name: passphrase, mountPath: /run/secrets/skms, readOnly: true }
{{- else }}
- { name: pin, mountPath: /run/skms-pin, readOnly: true }
{{- end }}
{{- if .Values.tls.secretName }}
- { name: tls, mountPath: /run/secrets/skms-tls, readOnly: true }
{{- end }}
{{- end -}}
