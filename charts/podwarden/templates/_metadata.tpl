{{/*
Labels and annotations of the chart's objects beyond the chart's own labels (podwarden.labels):
which label keys are the chart's, and the merged annotations of an object.
*/}}

{{/* The label keys the chart sets itself: commonLabels, podLabels and service.labels may not set them. */}}
{{- define "podwarden.ownLabelKeys" -}}
{{- toJson (list "helm.sh/chart" "app.kubernetes.io/name" "app.kubernetes.io/instance" "app.kubernetes.io/version" "app.kubernetes.io/managed-by" "app.kubernetes.io/component") -}}
{{- end -}}

{{/* Fails when "labels" sets one of the chart's own label keys. Takes dict "labels", "where" (the value's path) and "keys" (the refused keys). */}}
{{- define "podwarden.refuseOwnLabels" -}}
{{- range $key := .keys -}}
{{- if hasKey ($.labels | default dict) $key -}}
{{- fail (printf "podwarden: %s sets %s, a label the chart sets itself (it selects the pods or names the release). Remove it from %s, or use a label key of your own." $.where $key $.where) -}}
{{- end -}}
{{- end -}}
{{- end -}}

{{/*
An object's annotations as YAML (nothing when there are none): commonAnnotations, then the
object's own ("annotations" in the dict), which win.
*/}}
{{- define "podwarden.annotations" -}}
{{- with merge (deepCopy (.annotations | default dict)) (.values.commonAnnotations | default dict) -}}
{{- toYaml . -}}
{{- end -}}
{{- end -}}
