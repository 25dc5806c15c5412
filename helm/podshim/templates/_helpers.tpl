{{- define "podshim.fullname" -}}
{{- if contains .Chart.Name .Release.Name -}}
{{- .Release.Name | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name .Chart.Name | trunc 63 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}

{{- define "podshim.labels" -}}
app.kubernetes.io/name: {{ .Chart.Name }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version }}
{{- end -}}

{{- define "podshim.metricsSelector" -}}
app.kubernetes.io/name: {{ .Chart.Name }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/component: metrics
{{- end -}}

{{/* The port name and scheme Prometheus scrapes: the proxy's TLS port, or podshim's own. */}}
{{- define "podshim.scrapePort" -}}
{{- if eq .Values.metrics.mode "rbacProxy" -}}{{ .Values.metrics.proxyPort }}{{- else -}}{{ .Values.metrics.port }}{{- end -}}
{{- end -}}
{{- define "podshim.scrapeScheme" -}}
{{- if eq .Values.metrics.mode "rbacProxy" -}}https{{- else -}}http{{- end -}}
{{- end -}}

{{- define "podshim.job" -}}
{{- default (printf "%s-metrics" (include "podshim.fullname" .)) .Values.prometheusRule.jobSelector -}}
{{- end -}}
