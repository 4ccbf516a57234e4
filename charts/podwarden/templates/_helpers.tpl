{{/*
Helpers. Every helper takes a dict with:
  context: the root context of the chart that renders ($ there)
  values:  podwarden's values (.Values here, .Values.podwarden in a parent chart)
so the same helper gives the same answer here and in a chart that depends on this one.
*/}}

{{/* The short name: "podwarden" unless nameOverride. */}}
{{- define "podwarden.name" -}}
{{- default "podwarden" .values.nameOverride | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{/* The object name prefix: fullnameOverride, or <release>-<name> (just <release> when it already holds the name). */}}
{{- define "podwarden.fullname" -}}
{{- if .values.fullnameOverride -}}
{{- .values.fullnameOverride | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- $name := include "podwarden.name" . -}}
{{- if contains $name .context.Release.Name -}}
{{- .context.Release.Name | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .context.Release.Name $name | trunc 63 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}
{{- end -}}

{{/* <fullname>-<suffix>, kept within 63 characters. Takes the helper dict plus "suffix". */}}
{{- define "podwarden.suffixedName" -}}
{{- $base := include "podwarden.fullname" . | trunc (int (sub 62 (len .suffix))) | trimSuffix "-" -}}
{{- printf "%s-%s" $base .suffix -}}
{{- end -}}

{{- define "podwarden.configMapName" -}}
{{- include "podwarden.suffixedName" (dict "context" .context "values" .values "suffix" "config") -}}
{{- end -}}

{{- define "podwarden.metricsServiceName" -}}
{{- include "podwarden.suffixedName" (dict "context" .context "values" .values "suffix" "metrics") -}}
{{- end -}}

{{- define "podwarden.chart" -}}
{{- printf "%s-%s" .context.Chart.Name .context.Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{- define "podwarden.selectorLabels" -}}
app.kubernetes.io/name: {{ include "podwarden.name" . }}
app.kubernetes.io/instance: {{ .context.Release.Name }}
{{- end -}}

{{/* The labels that select the pods podwarden runs in (podSelector through tpl, or the chart's own selector labels). */}}
{{- define "podwarden.podSelectorLabels" -}}
{{- if and (not .values.app.enabled) (not .values.podSelector) -}}
{{- fail "podwarden: app.enabled=false needs podSelector (the labels of your workload's pods) so the metrics Service, PodMonitor and NetworkPolicy find podwarden" -}}
{{- end -}}
{{- if .values.podSelector -}}
{{- tpl (toYaml .values.podSelector) (dict "Values" .values "Release" .context.Release "Chart" .context.Chart "Capabilities" .context.Capabilities "Template" .context.Template) -}}
{{- else -}}
{{- include "podwarden.selectorLabels" . -}}
{{- end -}}
{{- end -}}

{{- define "podwarden.labels" -}}
helm.sh/chart: {{ include "podwarden.chart" . }}
{{ include "podwarden.selectorLabels" . }}
app.kubernetes.io/version: {{ .context.Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .context.Release.Service }}
{{- with .values.commonLabels }}
{{ toYaml . }}
{{- end }}
{{- end -}}

{{/* Labels of the helm test pod: not the selector labels, so no Service or PDB picks it up. */}}
{{- define "podwarden.testPodLabels" -}}
app.kubernetes.io/name: {{ printf "%s-test" (include "podwarden.name" .) }}
app.kubernetes.io/instance: {{ .context.Release.Name }}
app.kubernetes.io/component: test
{{- end -}}

{{- define "podwarden.serviceAccountName" -}}
{{- if .values.serviceAccount.create -}}
{{- default (include "podwarden.fullname" .) .values.serviceAccount.name -}}
{{- else -}}
{{- default "default" .values.serviceAccount.name -}}
{{- end -}}
{{- end -}}

{{/* repository:tag or repository@digest. Takes dict "image". */}}
{{- define "podwarden.imageRef" -}}
{{- if .image.digest -}}
{{- printf "%s@%s" .image.repository .image.digest -}}
{{- else -}}
{{- printf "%s:%s" .image.repository (toString .image.tag) -}}
{{- end -}}
{{- end -}}

{{/* podwarden's health port (config.server.port, default 7654). */}}
{{- define "podwarden.port" -}}
{{- dig "server" "port" 7654 (.values.config | default dict) | int -}}
{{- end -}}

{{/* podwarden's metrics port: config.server.metricsPort when set, else the health port. */}}
{{- define "podwarden.metricsPort" -}}
{{- $metricsPort := dig "server" "metricsPort" 0 (.values.config | default dict) -}}
{{- if $metricsPort -}}
{{- $metricsPort | int -}}
{{- else -}}
{{- include "podwarden.port" . -}}
{{- end -}}
{{- end -}}

{{/* True ("true") when /metrics has a port of its own. */}}
{{- define "podwarden.hasMetricsPort" -}}
{{- if ne (include "podwarden.metricsPort" .) (include "podwarden.port" .) -}}true{{- end -}}
{{- end -}}

{{/* The metric name prefix podwarden exports with (config.metrics.prefix, default podwarden_). */}}
{{- define "podwarden.metricPrefix" -}}
{{- dig "metrics" "prefix" "podwarden_" (.values.config | default dict) -}}
{{- end -}}

{{/*
The /drain token: drain.token, or the first 32 hex digits of
sha256("<namespace>\n<release>\n<tokenSalt>"). The same inputs give the same token on
every render (helm template, Argo CD, Flux), so the preStop header and podwarden agree.
*/}}
{{- define "podwarden.drainToken" -}}
{{- if .values.drain.token -}}
{{- .values.drain.token -}}
{{- else -}}
{{- printf "%s\n%s\n%s" .context.Release.Namespace .context.Release.Name (toString .values.drain.tokenSalt) | sha256sum | trunc 32 -}}
{{- end -}}
{{- end -}}

{{/* podwarden's config file, with string values through tpl (.Values there is podwarden's values). */}}
{{- define "podwarden.configYaml" -}}
{{- $tplContext := dict "Values" .values "Release" .context.Release "Chart" .context.Chart "Capabilities" .context.Capabilities "Template" .context.Template -}}
{{- tpl (toYaml .values.config) $tplContext -}}
{{- end -}}

{{/*
A duration in seconds. Takes dict "value" (a string like "10s", "1500ms", "1m", "1h",
or a number of milliseconds, as podwarden reads it) and "where" (the value's path, for the message).
*/}}
{{- define "podwarden.seconds" -}}
{{- $v := .value -}}
{{- if kindIs "string" $v -}}
{{- if regexMatch "^[0-9]+(\\.[0-9]+)?ms$" $v -}}
{{- divf (trimSuffix "ms" $v) 1000 -}}
{{- else if regexMatch "^[0-9]+(\\.[0-9]+)?s$" $v -}}
{{- trimSuffix "s" $v | float64 -}}
{{- else if regexMatch "^[0-9]+(\\.[0-9]+)?m$" $v -}}
{{- mulf (trimSuffix "m" $v) 60 -}}
{{- else if regexMatch "^[0-9]+(\\.[0-9]+)?h$" $v -}}
{{- mulf (trimSuffix "h" $v) 3600 -}}
{{- else -}}
{{- fail (printf "podwarden: %s is %q; write a duration such as \"10s\", \"1500ms\" or \"1m\"" .where $v) -}}
{{- end -}}
{{- else if or (kindIs "float64" $v) (kindIs "int64" $v) (kindIs "int" $v) -}}
{{- divf $v 1000 -}}
{{- else -}}
{{- fail (printf "podwarden: %s is %v; write a duration such as \"10s\", \"1500ms\" or \"1m\"" .where $v) -}}
{{- end -}}
{{- end -}}

{{/* The timing the chart checks, as JSON: drainDelay, stopBudget, grace, minGrace, minDrain (seconds). */}}
{{- define "podwarden.timing" -}}
{{- $config := .values.config | default dict -}}
{{- $drain := include "podwarden.seconds" (dict "value" (dig "shutdown" "drainDelay" "10s" $config) "where" "config.shutdown.drainDelay") | float64 -}}
{{- $budget := include "podwarden.seconds" (dict "value" (dig "shutdown" "stopBudget" "15s" $config) "where" "config.shutdown.stopBudget") | float64 -}}
{{- $propagation := .values.timing.endpointPropagationSeconds | float64 -}}
{{- $margin := .values.timing.drainMarginSeconds | float64 -}}
{{- $grace := .values.terminationGracePeriodSeconds | float64 -}}
{{- dict "drainDelay" $drain "stopBudget" $budget "propagation" $propagation "margin" $margin "grace" $grace "minGrace" (addf $drain $budget 5) "minDrain" (addf $propagation $margin) | toJson -}}
{{- end -}}

{{/*
The render-time timing rules. Fails with a message naming the values to change:
  config.shutdown.drainDelay >= timing.endpointPropagationSeconds + timing.drainMarginSeconds
  terminationGracePeriodSeconds >= config.shutdown.drainDelay + config.shutdown.stopBudget + 5
*/}}
{{- define "podwarden.checkTiming" -}}
{{- $t := include "podwarden.timing" . | fromJson -}}
{{- if lt $t.drainDelay $t.minDrain -}}
{{- fail (printf "podwarden: config.shutdown.drainDelay (%vs) is shorter than timing.endpointPropagationSeconds (%v) + timing.drainMarginSeconds (%v) = %vs: load balancers would still send requests to a pod that has begun to stop. Raise config.shutdown.drainDelay to at least %vs, or lower timing.endpointPropagationSeconds if your endpoints propagate faster." $t.drainDelay $t.propagation $t.margin $t.minDrain $t.minDrain) -}}
{{- end -}}
{{- if lt $t.grace $t.minGrace -}}
{{- fail (printf "podwarden: terminationGracePeriodSeconds (%v) is shorter than config.shutdown.drainDelay (%vs) + config.shutdown.stopBudget (%vs) + 5s = %vs: the kubelet would kill the pod before it drains and stops. Raise terminationGracePeriodSeconds to at least %v, or lower config.shutdown.drainDelay or config.shutdown.stopBudget." $t.grace $t.drainDelay $t.stopBudget $t.minGrace (ceil $t.minGrace)) -}}
{{- end -}}
{{- end -}}

{{/* The fields every probe takes. Takes the probe's values. */}}
{{- define "podwarden.probeFields" -}}
initialDelaySeconds: {{ .initialDelaySeconds | int }}
periodSeconds: {{ .periodSeconds | int }}
timeoutSeconds: {{ .timeoutSeconds | int }}
successThreshold: {{ .successThreshold | int }}
failureThreshold: {{ .failureThreshold | int }}
{{- if not (kindIs "invalid" .terminationGracePeriodSeconds) }}
terminationGracePeriodSeconds: {{ .terminationGracePeriodSeconds | int }}
{{- end }}
{{- end -}}

{{/* The readiness detection time (periodSeconds x failureThreshold + timeoutSeconds) of the app's readinessProbe. */}}
{{- define "podwarden.readinessDetectSeconds" -}}
{{- $r := .values.app.probes.readiness -}}
{{- add (mul $r.periodSeconds $r.failureThreshold) $r.timeoutSeconds -}}
{{- end -}}
