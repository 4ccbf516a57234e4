{{/*
Scrape settings shared by the ServiceMonitor and the PodMonitor. Takes dict "context",
"values" and "monitor" (metrics.serviceMonitor or metrics.podMonitor).
podwarden labels its series with `name`. honorLabels keeps that label when a target label
of the same name exists (e.g. from a pod label mapped by a relabeling); without it,
Prometheus renames podwarden's to `exported_name`, and the metricRelabelings below move
it back.
*/}}
{{- define "podwarden.scrapeSettings" -}}
{{- $m := .monitor -}}
path: /metrics
scheme: http
interval: {{ $m.interval }}
{{- with $m.scrapeTimeout }}
scrapeTimeout: {{ . }}
{{- end }}
honorLabels: {{ $m.honorLabels }}
{{- with $m.relabelings }}
relabelings:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- if or (not $m.honorLabels) $m.metricRelabelings }}
metricRelabelings:
  {{- if not $m.honorLabels }}
  - sourceLabels: [exported_name]
    regex: (.+)
    targetLabel: name
    replacement: $1
    action: replace
  - regex: exported_name
    action: labeldrop
  {{- end }}
  {{- with $m.metricRelabelings }}
  {{- toYaml . | nindent 2 }}
  {{- end }}
{{- end }}
{{- end -}}
