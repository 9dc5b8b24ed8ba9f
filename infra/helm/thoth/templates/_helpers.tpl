{{/* Names, labels and the pieces every workload shares. */}}

{{- define "thoth.fullname" -}}
{{- if contains .Chart.Name .Release.Name -}}
{{- .Release.Name | trunc 40 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name .Chart.Name | trunc 40 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}

{{- define "thoth.labels" -}}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" }}
app.kubernetes.io/name: {{ .Chart.Name }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/part-of: thoth
{{- end -}}

{{/* Selector labels of one component: (dict "root" $ "component" "control-plane") */}}
{{- define "thoth.selectorLabels" -}}
app.kubernetes.io/name: {{ .root.Chart.Name }}
app.kubernetes.io/instance: {{ .root.Release.Name }}
app.kubernetes.io/component: {{ .component }}
{{- end -}}

{{- define "thoth.componentLabels" -}}
{{ include "thoth.labels" .root }}
app.kubernetes.io/component: {{ .component }}
{{- end -}}

{{/* <registry>/thoth-<service>:<tag>, or @<digest>: (dict "root" $ "service" "control-plane" "key" "controlPlane") */}}
{{- define "thoth.image" -}}
{{- $i := .root.Values.image -}}
{{- $image := printf "%s/thoth-%s" $i.registry .service -}}
{{- $digest := index $i.digests .key -}}
{{- if $digest -}}
{{- printf "%s@%s" $image $digest -}}
{{- else -}}
{{- printf "%s:%s" $image (index $i.tags .key | default $i.tag | default .root.Chart.AppVersion) -}}
{{- end -}}
{{- end -}}

{{/*
What values cannot say in a schema (relations between fields) is refused here, when rendering,
with the field to change: `helm template` and `helm install` fail before anything is applied.
*/}}
{{- define "thoth.validate" -}}
{{- $v := .Values -}}
{{- if gt (int $v.ledger.replicas) (int $v.kafka.decisionsTopic.partitions) -}}
{{- fail (printf "ledger.replicas (%d) exceeds kafka.decisionsTopic.partitions (%d): a worker beyond the topic's partitions is assigned none and folds nothing; add partitions to %s first" (int $v.ledger.replicas) (int $v.kafka.decisionsTopic.partitions) $v.kafka.decisionsTopic.name) -}}
{{- end -}}
{{- if and (gt (int $v.ledger.replicas) 1) (not $v.ledger.anchor.existingClaim) (not (has "ReadWriteMany" $v.ledger.anchor.accessModes)) -}}
{{- fail "ledger.anchor.accessModes: several ledger workers share the anchor volume; it needs ReadWriteMany (or ledger.anchor.existingClaim)" -}}
{{- end -}}
{{- if not $v.allowPlaintext -}}
{{- $missing := list -}}
{{- if not $v.controlPlane.tls.existingSecret }}{{ $missing = append $missing "controlPlane.tls.existingSecret" }}{{ end -}}
{{- if not $v.ledger.tls.existingSecret }}{{ $missing = append $missing "ledger.tls.existingSecret" }}{{ end -}}
{{- if and $v.enforcer.daemonset.enabled (not $v.enforcer.tls.existingSecret) }}{{ $missing = append $missing "enforcer.tls.existingSecret" }}{{ end -}}
{{- if and (or $v.enforcer.daemonset.enabled $v.enforcer.sidecarExample.enabled) (not $v.enforcer.controlPlaneTls.existingSecret) }}{{ $missing = append $missing "enforcer.controlPlaneTls.existingSecret" }}{{ end -}}
{{- if not $v.kafka.tls.enabled }}{{ $missing = append $missing "kafka.tls.enabled" }}{{ end -}}
{{- range $part := list "controlPlane" "ledger" "enforcer" -}}
{{- if not (index $v.kafka.sasl $part).existingSecret }}{{ $missing = append $missing (printf "kafka.sasl.%s.existingSecret" $part) }}{{ end -}}
{{- end -}}
{{- if $missing -}}
{{- fail (printf "allowPlaintext is false, so every listener and Kafka need TLS (and Kafka SASL): set %s — or allowPlaintext: true where a mesh terminates TLS (docs/security.md, \"Transport security (TLS)\")" (join ", " $missing)) -}}
{{- end -}}
{{- end -}}
{{- if and $v.controlPlane.tls.mutualGrpc $v.enforcer.controlPlaneTls.existingSecret (not $v.enforcer.controlPlaneTls.clientCertificate) -}}
{{- fail "controlPlane.tls.mutualGrpc asks enforcers for a certificate: set enforcer.controlPlaneTls.clientCertificate (tls.crt / tls.key in its Secret)" -}}
{{- end -}}
{{- end -}}

{{/* Pod-level settings every Thoth pod shares. */}}
{{- define "thoth.podSpecCommon" -}}
automountServiceAccountToken: false
{{- with .Values.serviceAccountName }}
serviceAccountName: {{ . }}
{{- end }}
securityContext:
  {{- toYaml .Values.podSecurityContext | nindent 2 }}
{{- with .Values.imagePullSecrets }}
imagePullSecrets:
  {{- range . }}
  - name: {{ . }}
  {{- end }}
{{- end }}
{{- end -}}

{{/* A pod's annotations: prometheus.io ones for its operations port, then the values'. (dict "root" $ "port" 9464 "extra" dict) */}}
{{- define "thoth.podAnnotations" -}}
{{- $annotations := dict -}}
{{- if .root.Values.podScrapeAnnotations -}}
{{- $_ := set $annotations "prometheus.io/scrape" "true" -}}
{{- $_ := set $annotations "prometheus.io/port" (toString .port) -}}
{{- $_ := set $annotations "prometheus.io/path" "/metrics" -}}
{{- end -}}
{{- $annotations = merge (deepCopy (.extra | default dict)) $annotations -}}
{{- if $annotations -}}
annotations:
  {{- toYaml $annotations | nindent 2 }}
{{- end }}
{{- end -}}

{{/* Liveness (/healthz), readiness (/readyz) and start-up probes on the operations port named "ops". */}}
{{- define "thoth.probes" -}}
startupProbe:
  httpGet: { path: /healthz, port: ops }
  periodSeconds: 2
  failureThreshold: 60
livenessProbe:
  httpGet: { path: /healthz, port: ops }
  periodSeconds: 10
  timeoutSeconds: 3
  failureThreshold: 3
readinessProbe:
  httpGet: { path: /readyz, port: ops }
  periodSeconds: 5
  timeoutSeconds: 3
  failureThreshold: 2
{{- end -}}

{{/* The writable places of a read-only root filesystem: /tmp and the data directory. */}}
{{- define "thoth.scratchVolumes" -}}
- name: tmp
  emptyDir: {}
- name: data
  emptyDir: {}
{{- end -}}
{{- define "thoth.scratchMounts" -}}
- name: tmp
  mountPath: /tmp
- name: data
  mountPath: /var/lib/thoth
{{- end -}}

{{/* Environment shared by the services: production mode, logs, plaintext opt-out, data directory. */}}
{{- define "thoth.commonEnv" -}}
- name: NODE_ENV
  value: production
- name: THOTH_LOG_LEVEL
  value: {{ .Values.logLevel | quote }}
- name: THOTH_DATA_DIR
  value: /var/lib/thoth
{{- if .Values.allowPlaintext }}
- name: THOTH_ALLOW_PLAINTEXT
  value: "true"
{{- end }}
{{- end -}}

{{/* OpenTelemetry: nothing unless otel.endpoint is set (traces off). (dict "root" $ "service" "thoth-ledger") */}}
{{- define "thoth.otelEnv" -}}
{{- $otel := .root.Values.otel -}}
{{- if $otel.endpoint }}
- name: OTEL_EXPORTER_OTLP_ENDPOINT
  value: {{ $otel.endpoint | quote }}
- name: OTEL_EXPORTER_OTLP_PROTOCOL
  value: http/protobuf
- name: OTEL_SERVICE_NAME
  value: {{ .service | quote }}
{{- with $otel.sampler }}
- name: OTEL_TRACES_SAMPLER
  value: {{ . | quote }}
{{- end }}
{{- with $otel.samplerArg }}
- name: OTEL_TRACES_SAMPLER_ARG
  value: {{ . | quote }}
{{- end }}
{{- with $otel.resourceAttributes }}
- name: OTEL_RESOURCE_ATTRIBUTES
  value: {{ . | quote }}
{{- end }}
{{- end }}
{{- end -}}

{{/* Postgres: the URL from the Secret (key given), and the CA file when one is mounted. (dict "root" $ "key" "…") */}}
{{- define "thoth.postgresEnv" -}}
- name: DATABASE_URL
  valueFrom:
    secretKeyRef:
      name: {{ required "postgres.existingSecret is required (the Secret holding the connection URLs)" .root.Values.postgres.existingSecret }}
      key: {{ .key }}
{{- end -}}
{{- define "thoth.postgresVolumes" -}}
{{- with .Values.postgres.caSecret }}
- name: postgres-ca
  secret:
    secretName: {{ . }}
    items:
      - key: {{ $.Values.postgres.caKey }}
        path: {{ $.Values.postgres.caKey }}
{{- end }}
{{- end -}}
{{- define "thoth.postgresMounts" -}}
{{- if .Values.postgres.caSecret }}
- name: postgres-ca
  mountPath: /etc/thoth/postgres
  readOnly: true
{{- end }}
{{- end -}}

{{/* Kafka as one part's principal: (dict "root" $ "part" "controlPlane") */}}
{{- define "thoth.kafkaEnv" -}}
{{- $kafka := .root.Values.kafka -}}
{{- $sasl := index $kafka.sasl .part -}}
- name: KAFKA_BROKERS
  value: {{ required "kafka.brokers is required (host:port[,host:port…])" $kafka.brokers | quote }}
{{- if $kafka.tls.enabled }}
{{- if $kafka.tls.caSecret }}
- name: KAFKA_TLS_CA_FILE
  value: /etc/thoth/kafka/ca/{{ $kafka.tls.caKey }}
{{- else }}
- name: KAFKA_TLS
  value: "true"
{{- end }}
{{- if $kafka.tls.clientCertSecret }}
- name: KAFKA_TLS_CERT_FILE
  value: /etc/thoth/kafka/client/tls.crt
- name: KAFKA_TLS_KEY_FILE
  value: /etc/thoth/kafka/client/tls.key
{{- end }}
{{- end }}
{{- if $sasl.existingSecret }}
- name: KAFKA_SASL_MECHANISM
  value: {{ $kafka.sasl.mechanism | quote }}
- name: KAFKA_SASL_USERNAME
  value: {{ $sasl.username | quote }}
- name: KAFKA_SASL_PASSWORD_FILE
  value: /etc/thoth/kafka/sasl/password
{{- end }}
{{- end -}}
{{- define "thoth.kafkaVolumes" -}}
{{- $kafka := .root.Values.kafka -}}
{{- $sasl := index $kafka.sasl .part -}}
{{- if and $kafka.tls.enabled $kafka.tls.caSecret }}
- name: kafka-ca
  secret:
    secretName: {{ $kafka.tls.caSecret }}
    items:
      - key: {{ $kafka.tls.caKey }}
        path: {{ $kafka.tls.caKey }}
{{- end }}
{{- if and $kafka.tls.enabled $kafka.tls.clientCertSecret }}
- name: kafka-client-cert
  secret:
    secretName: {{ $kafka.tls.clientCertSecret }}
{{- end }}
{{- if $sasl.existingSecret }}
- name: kafka-sasl
  secret:
    secretName: {{ $sasl.existingSecret }}
    items:
      - key: {{ $sasl.passwordKey }}
        path: password
{{- end }}
{{- end -}}
{{- define "thoth.kafkaMounts" -}}
{{- $kafka := .root.Values.kafka -}}
{{- $sasl := index $kafka.sasl .part -}}
{{- if and $kafka.tls.enabled $kafka.tls.caSecret }}
- name: kafka-ca
  mountPath: /etc/thoth/kafka/ca
  readOnly: true
{{- end }}
{{- if and $kafka.tls.enabled $kafka.tls.clientCertSecret }}
- name: kafka-client-cert
  mountPath: /etc/thoth/kafka/client
  readOnly: true
{{- end }}
{{- if $sasl.existingSecret }}
- name: kafka-sasl
  mountPath: /etc/thoth/kafka/sasl
  readOnly: true
{{- end }}
{{- end -}}

{{/* A listener's certificate Secret (kubernetes.io/tls), mounted at /etc/thoth/tls: (dict "secret" "…") */}}
{{- define "thoth.tlsVolume" -}}
{{- if .secret }}
- name: tls
  secret:
    secretName: {{ .secret }}
{{- end }}
{{- end -}}
{{- define "thoth.tlsMount" -}}
{{- if .secret }}
- name: tls
  mountPath: /etc/thoth/tls
  readOnly: true
{{- end }}
{{- end -}}
{{- define "thoth.tlsEnv" -}}
{{- if .secret }}
- name: THOTH_TLS_CERT_FILE
  value: /etc/thoth/tls/tls.crt
- name: THOTH_TLS_KEY_FILE
  value: /etc/thoth/tls/tls.key
{{- end }}
{{- end -}}

{{/* The control plane's config stream address, as enforcers dial it. */}}
{{- define "thoth.controlPlaneGrpc" -}}
{{- printf "%s-control-plane.%s.svc:%d" (include "thoth.fullname" .) .Release.Namespace (int .Values.controlPlane.ports.grpc) -}}
{{- end -}}

{{/*
The enforcer container, the same in the DaemonSet and beside an agent: (dict "root" $ "sidecar" bool).
As a sidecar, Decide listens on the pod's loopback (only that pod's agent reaches it, plaintext
allowed there); in the DaemonSet on the pod's address with TLS.
*/}}
{{- define "thoth.enforcer.container" -}}
{{- $v := .root.Values -}}
{{- $e := $v.enforcer -}}
{{- $decideTls := and (not .sidecar) $e.tls.existingSecret -}}
name: enforcer
image: {{ include "thoth.image" (dict "root" .root "service" "enforcer" "key" "enforcer") }}
imagePullPolicy: {{ $v.image.pullPolicy }}
{{- if .sidecar }}
# A native sidecar: started before the agent, kept running beside it, stopped after it.
restartPolicy: Always
{{- end }}
ports:
  - name: grpc
    containerPort: {{ $e.ports.grpc }}
  - name: ops
    containerPort: {{ $e.ports.ops }}
env:
  {{- include "thoth.commonEnv" .root | nindent 2 }}
  - name: POD_NAME
    valueFrom:
      fieldRef:
        fieldPath: metadata.name
  - name: THOTH_ENFORCER_ID
    value: $(POD_NAME)
  - name: THOTH_ENFORCER_GRPC_HOST
    value: {{ if .sidecar }}127.0.0.1{{ else }}0.0.0.0{{ end }}
  - name: THOTH_ENFORCER_GRPC_PORT
    value: {{ $e.ports.grpc | quote }}
  - name: THOTH_ENFORCER_HTTP_HOST
    value: 0.0.0.0
  - name: THOTH_ENFORCER_HTTP_PORT
    value: {{ $e.ports.ops | quote }}
  - name: THOTH_CONTROL_PLANE_GRPC
    value: {{ include "thoth.controlPlaneGrpc" .root }}
  - name: THOTH_ENFORCER_TOKEN
    valueFrom:
      secretKeyRef:
        name: {{ required "enforcer.token.existingSecret is required (the Secret holding the enforcer registration's token)" $e.token.existingSecret }}
        key: {{ $e.token.key }}
  {{- with $e.signingKey.existingSecret }}
  - name: THOTH_ENFORCER_SIGNING_KEY
    valueFrom:
      secretKeyRef:
        name: {{ . }}
        key: {{ $e.signingKey.key }}
  {{- end }}
  {{- with $e.tenants }}
  - name: THOTH_ENFORCER_TENANTS
    value: {{ join "," . | quote }}
  {{- end }}
  - name: THOTH_CONFIG_PUBLIC_KEYS
    value: {{ required "configPublicKeys is required (the control plane's snapshot public keys)" $v.configPublicKeys | quote }}
  - name: THOTH_ENFORCER_SNAPSHOT_DIR
    value: /var/lib/thoth/snapshots
  - name: THOTH_ENFORCER_MAX_STALENESS_SECONDS
    value: {{ $e.maxStalenessSeconds | quote }}
  - name: THOTH_FLEET_STATE
    value: {{ $e.fleetState | quote }}
  - name: THOTH_DECISIONS_TOPIC
    value: {{ $v.kafka.decisionsTopic.name | quote }}
  - name: THOTH_RECEIPT_KEYS_TOPIC
    value: {{ $v.kafka.receiptKeysTopic | quote }}
  {{- include "thoth.kafkaEnv" (dict "root" .root "part" "enforcer") | nindent 2 }}
  {{- if $decideTls }}
  {{- with include "thoth.tlsEnv" (dict "secret" $e.tls.existingSecret) | trim }}{{ . | nindent 2 }}{{ end }}
  {{- if $e.tls.mutualDecide }}
  - name: THOTH_ENFORCER_GRPC_TLS_CLIENT_CA_FILE
    value: /etc/thoth/tls/ca.crt
  {{- end }}
  {{- end }}
  {{- if $e.controlPlaneTls.existingSecret }}
  - name: THOTH_CONTROL_PLANE_CA_FILE
    value: /etc/thoth/control-plane-tls/ca.crt
  {{- if $e.controlPlaneTls.clientCertificate }}
  - name: THOTH_CONTROL_PLANE_CERT_FILE
    value: /etc/thoth/control-plane-tls/tls.crt
  - name: THOTH_CONTROL_PLANE_KEY_FILE
    value: /etc/thoth/control-plane-tls/tls.key
  {{- end }}
  {{- end }}
  {{- with include "thoth.otelEnv" (dict "root" .root "service" "thoth-enforcer") | trim }}{{ . | nindent 2 }}{{ end }}
  {{- with $e.extraEnv }}
  {{- toYaml . | nindent 2 }}
  {{- end }}
{{- include "thoth.probes" . | nindent 0 }}
resources:
  {{- toYaml $e.resources | nindent 2 }}
securityContext:
  {{- toYaml $v.containerSecurityContext | nindent 2 }}
volumeMounts:
  {{- include "thoth.scratchMounts" . | nindent 2 }}
  {{- with include "thoth.kafkaMounts" (dict "root" .root "part" "enforcer") | trim }}{{ . | nindent 2 }}{{ end }}
  {{- if $decideTls }}
  {{- with include "thoth.tlsMount" (dict "secret" $e.tls.existingSecret) | trim }}{{ . | nindent 2 }}{{ end }}
  {{- end }}
  {{- if $e.controlPlaneTls.existingSecret }}
  - name: control-plane-tls
    mountPath: /etc/thoth/control-plane-tls
    readOnly: true
  {{- end }}
{{- end -}}

{{/* The enforcer container's volumes: (dict "root" $ "sidecar" bool) */}}
{{- define "thoth.enforcer.volumes" -}}
{{- $e := .root.Values.enforcer -}}
{{- include "thoth.scratchVolumes" . }}
{{- include "thoth.kafkaVolumes" (dict "root" .root "part" "enforcer") }}
{{- if and (not .sidecar) $e.tls.existingSecret }}
{{- include "thoth.tlsVolume" (dict "secret" $e.tls.existingSecret) }}
{{- end }}
{{- with $e.controlPlaneTls.existingSecret }}
- name: control-plane-tls
  secret:
    secretName: {{ . }}
{{- end }}
{{- end -}}

{{/* NetworkPolicy rules shared by the policies (networkpolicies.yaml). */}}
{{- define "thoth.np.dns" -}}
- to:
    {{- toYaml .Values.networkPolicy.dnsPeers | nindent 4 }}
  ports:
    - { port: 53, protocol: UDP }
    - { port: 53, protocol: TCP }
{{- end -}}
{{- define "thoth.np.postgres" -}}
- ports:
    - { port: {{ .Values.postgres.port }}, protocol: TCP }
  {{- with .Values.networkPolicy.postgresPeers }}
  to:
    {{- toYaml . | nindent 4 }}
  {{- end }}
{{- end -}}
{{- define "thoth.np.prometheus" -}}
- from:
    {{- toYaml .root.Values.networkPolicy.prometheus | nindent 4 }}
  ports:
    - { port: {{ .port }}, protocol: TCP }
{{- end -}}
