{{/*
The podwarden container's OpenTelemetry environment when tracing.enabled (docs/tracing.md):
the standard OTEL_* variables, and the pod, namespace and node from the downward API as
resource attributes. POD_NAME, POD_NAMESPACE and NODE_NAME come first: the kubelet expands
$(VAR) only for variables defined before. Values of tracing.resourceAttributes are
percent-encoded (the SDK drops the whole variable on a bare "," or "=", and trims spaces).
*/}}
{{- define "podwarden.tracingEnv" -}}
{{- $t := .values.tracing | default dict -}}
{{- if $t.enabled -}}
{{- if not $t.endpoint -}}
{{- fail "podwarden: tracing.enabled is true but tracing.endpoint is empty. Set it to your OpenTelemetry collector's OTLP/HTTP address, e.g. http://otel-collector.observability:4318 (podwarden posts to <endpoint>/v1/traces); see docs/tracing.md." -}}
{{- end -}}
{{- $attributes := list "k8s.pod.name=$(POD_NAME)" "k8s.namespace.name=$(POD_NAMESPACE)" "k8s.node.name=$(NODE_NAME)" (printf "k8s.container.name=%s" .values.sidecar.name) -}}
{{- range $key, $value := $t.resourceAttributes | default dict -}}
{{- $attributes = append $attributes (printf "%s=%s" $key (toString $value | replace "%" "%25" | replace "," "%2C" | replace "=" "%3D" | replace " " "%20")) -}}
{{- end -}}
- name: POD_NAME
  valueFrom:
    fieldRef:
      fieldPath: metadata.name
- name: POD_NAMESPACE
  valueFrom:
    fieldRef:
      fieldPath: metadata.namespace
- name: NODE_NAME
  valueFrom:
    fieldRef:
      fieldPath: spec.nodeName
- name: OTEL_EXPORTER_OTLP_ENDPOINT
  value: {{ $t.endpoint | quote }}
- name: OTEL_EXPORTER_OTLP_PROTOCOL
  value: {{ $t.protocol | default "http/protobuf" | quote }}
- name: OTEL_SERVICE_NAME
  value: {{ $t.serviceName | default (include "podwarden.fullname" .) | quote }}
- name: OTEL_RESOURCE_ATTRIBUTES
  value: {{ join "," $attributes | quote }}
{{- end -}}
{{- end -}}
