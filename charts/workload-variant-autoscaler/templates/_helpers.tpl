{{/* The prefix of every name: the release name, with the chart name added unless it is there already. */}}
{{- define "wva.fullname" -}}
{{- if contains .Chart.Name .Release.Name -}}
{{- .Release.Name | trunc 45 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name .Chart.Name | trunc 45 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}

{{/* The ServiceAccount and Deployment name. */}}
{{- define "wva.managerName" -}}
{{- printf "%s-controller-manager" (include "wva.fullname" .) -}}
{{- end -}}

{{/* The main ConfigMap, named after the release (CONFIG_MAP_NAME). */}}
{{- define "wva.configMapName" -}}
{{- printf "%s-variantautoscaling-config" (include "wva.fullname" .) -}}
{{- end -}}

{{- define "wva.selectorLabels" -}}
app.kubernetes.io/name: {{ .Chart.Name }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end -}}

{{- define "wva.labels" -}}
{{ include "wva.selectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" }}
{{- end -}}

{{- define "wva.image" -}}
{{- if .Values.image.digest -}}
{{- printf "%s@%s" .Values.image.repository .Values.image.digest -}}
{{- else -}}
{{- printf "%s:%s" .Values.image.repository (default .Chart.AppVersion .Values.image.tag) -}}
{{- end -}}
{{- end -}}

{{/* The static keys of the main ConfigMap: a change needs a restart, so the Deployment carries their checksum. */}}
{{- define "wva.staticConfig" -}}
PROMETHEUS_BASE_URL: {{ .Values.wva.prometheus.baseURL | quote }}
PROMETHEUS_TLS_INSECURE_SKIP_VERIFY: {{ .Values.wva.prometheus.tls.insecureSkipVerify | quote }}
{{- with .Values.wva.prometheus.tls.serverName }}
PROMETHEUS_SERVER_NAME: {{ . | quote }}
{{- end }}
METRICS_SOURCE: {{ .Values.wva.metricsSource | quote }}
WVA_SCALE_TO_ZERO: {{ .Values.wva.scaleToZero | quote }}
WVA_LIMITED_MODE: {{ .Values.wva.limitedMode | quote }}
EXPERIMENTAL_PROACTIVE_MODEL: {{ .Values.wva.proactiveModel | quote }}
DRAIN_AWARE_SCALE_DOWN: {{ .Values.wva.drainAwareScaleDown | quote }}
{{- with .Values.wva.watchNamespaces }}
WATCH_NAMESPACES: {{ join "," . | quote }}
{{- end }}
{{- with .Values.wva.gateway }}
{{- if .metricsURL }}
GATEWAY_METRICS_URL: {{ .metricsURL | quote }}
{{- end }}
{{- if .tls.insecureSkipVerify }}
GATEWAY_TLS_INSECURE_SKIP_VERIFY: "true"
{{- end }}
{{- if .allowHTTPCredentials }}
GATEWAY_ALLOW_HTTP_CREDENTIALS: "true"
{{- end }}
{{- end }}
{{- end -}}

{{/* The main ConfigMap keys the manager applies live (config.IsMutable; test/contract checks the list): a change to any other key needs a restart. */}}
{{- define "wva.mutableKeys" -}}
GLOBAL_OPT_INTERVAL PROMETHEUS_CACHE_ENABLED PROMETHEUS_CACHE_TTL
{{- end -}}

{{/* The keys of the main ConfigMap the chart renders from its own values: wva.extraConfig must not repeat them. */}}
{{- define "wva.ownKeys" -}}
GLOBAL_OPT_INTERVAL: wva.optimizationInterval
PROMETHEUS_BASE_URL: wva.prometheus.baseURL
PROMETHEUS_TLS_INSECURE_SKIP_VERIFY: wva.prometheus.tls.insecureSkipVerify
PROMETHEUS_SERVER_NAME: wva.prometheus.tls.serverName
METRICS_SOURCE: wva.metricsSource
WVA_SCALE_TO_ZERO: wva.scaleToZero
WVA_LIMITED_MODE: wva.limitedMode
EXPERIMENTAL_PROACTIVE_MODEL: wva.proactiveModel
WATCH_NAMESPACES: wva.watchNamespaces
GATEWAY_METRICS_URL: wva.gateway.metricsURL
GATEWAY_TLS_INSECURE_SKIP_VERIFY: wva.gateway.tls.insecureSkipVerify
GATEWAY_ALLOW_HTTP_CREDENTIALS: wva.gateway.allowHTTPCredentials
{{- end -}}

{{/* What a restart is needed for: the static keys plus every wva.extraConfig key the manager does not apply live. The Deployment carries its checksum. */}}
{{- define "wva.restartConfig" -}}
{{ include "wva.staticConfig" . }}
{{- $mutable := splitList " " (include "wva.mutableKeys" .) }}
{{- range $k, $v := .Values.wva.extraConfig }}
{{- if not (has $k $mutable) }}
{{ $k }}: {{ $v | quote }}
{{- end }}
{{- end }}
{{- end -}}

{{/* The metrics Service's in-cluster DNS name: what the metrics certificate is issued for and the ServiceMonitor verifies. */}}
{{- define "wva.metricsServiceDNS" -}}
{{- printf "%s-metrics.%s.svc" (include "wva.fullname" .) .Release.Namespace -}}
{{- end -}}

{{/* The Secret (tls.crt, tls.key, ca.crt) the manager serves /metrics with; empty: self-signed at start-up. */}}
{{- define "wva.metricsCertSecret" -}}
{{- if .Values.serviceMonitor.enabled -}}
{{- default (printf "%s-metrics-cert" (include "wva.fullname" .)) .Values.serviceMonitor.certSecret -}}
{{- end -}}
{{- end -}}
