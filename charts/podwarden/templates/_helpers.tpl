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

{{/* An object's labels: the chart's, then commonLabels, then the object's own ("labels" in the dict, winning over commonLabels). */}}
{{- define "podwarden.labels" -}}
helm.sh/chart: {{ include "podwarden.chart" . }}
{{ include "podwarden.selectorLabels" . }}
app.kubernetes.io/version: {{ .context.Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .context.Release.Service }}
{{- with merge (deepCopy (.labels | default dict)) (.values.commonLabels | default dict) }}
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

{{/*
repository:tag or repository@digest. Takes dict "image" and "registry" (global.imageRegistry, or
""): a registry replaces the repository's own registry host (its first part when that has a dot
or a port, or is localhost, as Docker reads it), or goes in front of a repository without one.
*/}}
{{- define "podwarden.imageRef" -}}
{{- $repository := .image.repository -}}
{{- if .registry -}}
{{- $parts := splitn "/" 2 $repository -}}
{{- if and $parts._1 (or (contains "." $parts._0) (contains ":" $parts._0) (eq $parts._0 "localhost")) -}}
{{- $repository = $parts._1 -}}
{{- end -}}
{{- $repository = printf "%s/%s" (trimSuffix "/" .registry) $repository -}}
{{- end -}}
{{- if .image.digest -}}
{{- printf "%s@%s" $repository .image.digest -}}
{{- else -}}
{{- printf "%s:%s" $repository (toString .image.tag) -}}
{{- end -}}
{{- end -}}

{{/* global.imageRegistry, or "" (Helm hands a parent chart's globals to podwarden's values too). */}}
{{- define "podwarden.imageRegistry" -}}
{{- (.values.global | default dict).imageRegistry | default "" -}}
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

{{/* The /drain token: drain.token, required (podwarden.validate says how to make one). */}}
{{- define "podwarden.drainToken" -}}
{{- toString (.values.drain.token | default "") -}}
{{- end -}}

{{/*
A duration in seconds. Takes dict "value" (a decimal with a unit, "1500ms", "10s", "1.5m",
"1h", or 0, as podwarden reads it) and "where" (the value's path, for the message).
*/}}
{{- define "podwarden.seconds" -}}
{{- $v := .value -}}
{{- if kindIs "string" $v -}}
{{- if eq $v "0" -}}
0
{{- else if regexMatch "^[0-9]+(\\.[0-9]+)?ms$" $v -}}
{{- divf (trimSuffix "ms" $v) 1000 -}}
{{- else if regexMatch "^[0-9]+(\\.[0-9]+)?s$" $v -}}
{{- trimSuffix "s" $v | float64 -}}
{{- else if regexMatch "^[0-9]+(\\.[0-9]+)?m$" $v -}}
{{- mulf (trimSuffix "m" $v) 60 -}}
{{- else if regexMatch "^[0-9]+(\\.[0-9]+)?h$" $v -}}
{{- mulf (trimSuffix "h" $v) 3600 -}}
{{- else -}}
{{- fail (printf "podwarden: %s is %q; write a decimal with a unit (ms, s, m, h), such as \"10s\", \"1500ms\" or \"1m\", or 0" .where $v) -}}
{{- end -}}
{{- else if and (or (kindIs "float64" $v) (kindIs "int64" $v) (kindIs "int" $v)) (eq (float64 $v) 0.0) -}}
0
{{- else -}}
{{- fail (printf "podwarden: %s is %v, a number without a unit; write a decimal with a unit (ms, s, m, h), such as \"10s\" or \"1500ms\", or 0" .where $v) -}}
{{- end -}}
{{- end -}}

{{/*
The timing profiles: how long the balancers of each setup keep sending to a pod after its
endpoint changed (docs/helm.md, "Choosing a timing profile", says where each figure comes
from), and the drain.allowFrom each sets by default.
*/}}
{{- define "podwarden.profiles" -}}
kube-proxy:
  propagationSeconds: 5
  allowFrom: []
ingress-nginx:
  propagationSeconds: 8
  allowFrom: []
aws-load-balancer-controller:
  propagationSeconds: 30
  allowFrom: [hostIPs]
gke-neg:
  propagationSeconds: 30
  allowFrom: []
custom:
  allowFrom: []
{{- end -}}

{{/* True ("true") when config.services has a module service: podwarden's stop then takes up to stopBudget. */}}
{{- define "podwarden.hasModuleService" -}}
{{- range ((.values.config | default dict).services | default list) -}}
{{- if eq (toString .type) "module" -}}true{{- end -}}
{{- end -}}
{{- end -}}

{{/*
The timing, resolved from the profile and the values, as JSON (seconds), after the
render-time rule has passed; a broken rule fails the render with the values to change:
  drainDelay >= propagation + readiness detection (periodSeconds x failureThreshold) + margin
  terminationGracePeriodSeconds >= drainDelay + appShutdownSeconds + podwarden's stop
  app.probes.liveness.terminationGracePeriodSeconds >= drainDelay + appShutdownSeconds
  config.drain.maxHold >= terminationGracePeriodSeconds - drainDelay
  externalTrafficPolicyLocal: (failureThreshold - 1) x periodSeconds >= propagation + node health check
*/}}
{{- define "podwarden.timing" -}}
{{- $v := .values -}}
{{- $t := $v.timing -}}
{{- $config := $v.config | default dict -}}
{{- $shutdown := $config.shutdown | default dict -}}
{{- $drainConfig := $config.drain | default dict -}}
{{- $profiles := include "podwarden.profiles" . | fromYaml -}}
{{- $profile := get $profiles $t.profile -}}
{{- $propagation := 0.0 -}}
{{- if eq $t.profile "custom" -}}
{{- if kindIs "invalid" $t.endpointPropagationSeconds -}}
{{- fail "podwarden: timing.profile is custom but timing.endpointPropagationSeconds is not set; set it to the seconds your balancers take to stop sending to a pod whose endpoint changed, or choose a named timing.profile (kube-proxy, ingress-nginx, aws-load-balancer-controller, gke-neg)" -}}
{{- end -}}
{{- $propagation = $t.endpointPropagationSeconds | float64 -}}
{{- else -}}
{{- if not (kindIs "invalid" $t.endpointPropagationSeconds) -}}
{{- fail (printf "podwarden: timing.endpointPropagationSeconds (%v) is set, but timing.profile is %s, which has its own figure (%vs); set timing.profile=custom to use yours, or remove timing.endpointPropagationSeconds" $t.endpointPropagationSeconds $t.profile $profile.propagationSeconds) -}}
{{- end -}}
{{- $propagation = $profile.propagationSeconds | float64 -}}
{{- end -}}
{{- $margin := $t.drainMarginSeconds | float64 -}}
{{- $appShutdown := $t.appShutdownSeconds | float64 -}}
{{- /* Readiness: detection, and what externalTrafficPolicy: Local needs to keep a draining pod serving. */ -}}
{{- $r := $v.app.probes.readiness -}}
{{- $period := $r.periodSeconds | float64 -}}
{{- $etp := $t.externalTrafficPolicyLocal -}}
{{- $nodeCheck := mulf $etp.healthCheckIntervalSeconds $etp.unhealthyThreshold -}}
{{- $serving := addf $propagation $nodeCheck -}}
{{- $minThreshold := 1.0 -}}
{{- if $etp.enabled -}}
{{- $minThreshold = addf (ceil (divf $serving $period)) 1 -}}
{{- end -}}
{{- $threshold := 0.0 -}}
{{- if kindIs "invalid" $r.failureThreshold -}}
{{- $threshold = max 2 (int $minThreshold) | float64 -}}
{{- else -}}
{{- $threshold = $r.failureThreshold | float64 -}}
{{- if lt $threshold $minThreshold -}}
{{- fail (printf "podwarden: app.probes.readiness.failureThreshold (%v) x periodSeconds (%v) is too short for timing.externalTrafficPolicyLocal: kube-proxy sends a node's balancer traffic to its draining pod only while the pod is Ready, and the balancer takes up to propagation %vs + healthCheckIntervalSeconds %v x unhealthyThreshold %v = %vs to take the node out; (failureThreshold - 1) x periodSeconds must cover that. Raise app.probes.readiness.failureThreshold to at least %v, or set it to null (the chart then uses %v)." $r.failureThreshold $r.periodSeconds $propagation $etp.healthCheckIntervalSeconds $etp.unhealthyThreshold $serving $minThreshold $minThreshold) -}}
{{- end -}}
{{- end -}}
{{- $detection := 0.0 -}}
{{- if $r.enabled -}}
{{- $detection = mulf $period $threshold -}}
{{- end -}}
{{- /* drainDelay */ -}}
{{- $minDrain := addf $propagation $detection $margin -}}
{{- $drainDelay := ceil $minDrain -}}
{{- $drainSet := not (kindIs "invalid" $shutdown.drainDelay) -}}
{{- if $drainSet -}}
{{- $drainDelay = include "podwarden.seconds" (dict "value" $shutdown.drainDelay "where" "config.shutdown.drainDelay") | float64 -}}
{{- if lt $drainDelay $minDrain -}}
{{- fail (printf "podwarden: config.shutdown.drainDelay (%vs) is shorter than timing.profile %s needs: propagation %vs + readiness detection %vs (app.probes.readiness.periodSeconds %v x failureThreshold %v) + timing.drainMarginSeconds %vs = %vs; balancers would still send requests to a pod that has begun to stop. Raise config.shutdown.drainDelay to at least %vs (or remove it: the chart then uses %vs), or choose the timing.profile of your balancers." $drainDelay $t.profile $propagation $detection $r.periodSeconds $threshold $margin $minDrain $minDrain (ceil $minDrain)) -}}
{{- end -}}
{{- end -}}
{{- /* podwarden's stop: its stop budget where module services need it, else 2 s to stop its checks and exit. */ -}}
{{- $stopBudget := include "podwarden.seconds" (dict "value" ($shutdown.stopBudget | default "15s") "where" "config.shutdown.stopBudget") | float64 -}}
{{- $stopWhy := "2s: checks only" -}}
{{- $podwardenStop := 2.0 -}}
{{- if include "podwarden.hasModuleService" . -}}
{{- $podwardenStop = addf $stopBudget 1 -}}
{{- $stopWhy = printf "config.shutdown.stopBudget %vs + 1s: module services" $stopBudget -}}
{{- end -}}
{{- /* terminationGracePeriodSeconds */ -}}
{{- $minGrace := addf $drainDelay $appShutdown $podwardenStop -}}
{{- $grace := max 30 (int (ceil $minGrace)) | float64 -}}
{{- if not (kindIs "invalid" $v.terminationGracePeriodSeconds) -}}
{{- $grace = $v.terminationGracePeriodSeconds | float64 -}}
{{- if lt $grace $minGrace -}}
{{- fail (printf "podwarden: terminationGracePeriodSeconds (%v) is shorter than config.shutdown.drainDelay (%vs) + timing.appShutdownSeconds (%vs) + podwarden's stop (%s) = %vs: the kubelet would kill the pod before it drains and stops. Raise terminationGracePeriodSeconds to at least %v (or set it to null: the chart then uses %v)." $v.terminationGracePeriodSeconds $drainDelay $appShutdown $stopWhy $minGrace (ceil $minGrace) (max 30 (int (ceil $minGrace)))) -}}
{{- end -}}
{{- end -}}
{{- /* The liveness probe's own grace period: a liveness restart runs the preStop drain within it. */ -}}
{{- $l := $v.app.probes.liveness -}}
{{- $minLivenessGrace := addf $drainDelay $appShutdown -}}
{{- if and $l.enabled (not (kindIs "invalid" $l.terminationGracePeriodSeconds)) -}}
{{- if lt ($l.terminationGracePeriodSeconds | float64) $minLivenessGrace -}}
{{- fail (printf "podwarden: app.probes.liveness.terminationGracePeriodSeconds (%v) is shorter than config.shutdown.drainDelay (%vs) + timing.appShutdownSeconds (%vs) = %vs: a liveness restart runs the preStop drain within it, so the kubelet would kill the app before the drain ends. Raise it to at least %v, or set it to null (the pod's grace period)." $l.terminationGracePeriodSeconds $drainDelay $appShutdown $minLivenessGrace (ceil $minLivenessGrace)) -}}
{{- end -}}
{{- end -}}
{{- /* drain.maxHold: a drain no SIGTERM follows is let go after it; never while the pod can still be terminating. */ -}}
{{- $minHold := subf $grace $drainDelay -}}
{{- $maxHold := $minHold -}}
{{- if not (kindIs "invalid" $drainConfig.maxHold) -}}
{{- $maxHold = include "podwarden.seconds" (dict "value" $drainConfig.maxHold "where" "config.drain.maxHold") | float64 -}}
{{- if lt $maxHold $minHold -}}
{{- fail (printf "podwarden: config.drain.maxHold (%vs) is shorter than terminationGracePeriodSeconds (%v) - config.shutdown.drainDelay (%vs) = %vs: podwarden, a native sidecar, gets SIGTERM only after the app has exited, so it could let the drain go while the pod is still terminating. Raise config.drain.maxHold to at least %vs, or remove it (the chart then uses %vs)." $maxHold $grace $drainDelay $minHold $minHold $minHold) -}}
{{- end -}}
{{- end -}}
{{- $minReady := ceil $propagation -}}
{{- if not (kindIs "invalid" $v.minReadySeconds) -}}
{{- $minReady = $v.minReadySeconds | float64 -}}
{{- end -}}
{{- dict "profile" $t.profile "propagation" $propagation "detection" $detection "margin" $margin "appShutdown" $appShutdown "readinessFailureThreshold" $threshold "minDrain" $minDrain "drainDelay" $drainDelay "drainDelaySet" $drainSet "stopBudget" $stopBudget "podwardenStop" $podwardenStop "minGrace" $minGrace "grace" $grace "minHold" $minHold "maxHold" $maxHold "minReadySeconds" $minReady "allowFrom" $profile.allowFrom | toJson -}}
{{- end -}}

{{/* The names podwarden's sidecar.env must not set, and the value to set instead. */}}
{{- define "podwarden.reservedEnv" -}}
PODWARDEN_PORT: config.server.port
PODWARDEN_METRICS_PORT: config.server.metricsPort
PODWARDEN_HOST_IPS: config.drain.allowFrom (the chart fills PODWARDEN_HOST_IPS from the downward API when it lists hostIPs)
PODWARDEN_DRAIN_TOKEN: drain.token
PODWARDEN_DRAIN_TOKEN_FILE: drain.token
PODWARDEN_DRAIN_DELAY: config.shutdown.drainDelay
PODWARDEN_DRAIN_MAX_HOLD: config.drain.maxHold
PODWARDEN_DRAIN_ALLOW_UNAUTHENTICATED: config.drain.allowUnauthenticated
PODWARDEN_STOP_BUDGET: config.shutdown.stopBudget
PODWARDEN_STOP_TIMEOUT: config.shutdown.stopTimeout
PODWARDEN_METRICS_PREFIX: config.metrics.prefix (the alerts, the dashboard and the helm test read it)
{{- end -}}

{{/* The service podwarden watches to tell that the app container came back: config.drain.appCheck, else `app`, else the first that is not a module; "" when none. */}}
{{- define "podwarden.appCheck" -}}
{{- $config := .values.config | default dict -}}
{{- $drain := $config.drain | default dict -}}
{{- $services := $config.services | default list -}}
{{- if hasKey $drain "appCheck" -}}
{{- toString ($drain.appCheck | default "") -}}
{{- else -}}
{{- $names := list -}}
{{- range $services -}}{{- if ne (toString .type) "module" -}}{{- $names = append $names (toString .name) -}}{{- end -}}{{- end -}}
{{- if has "app" $names -}}app{{- else if $names -}}{{- first $names -}}{{- end -}}
{{- end -}}
{{- end -}}

{{/* The drain state file: config.drain.stateFile, else /run/podwarden/drain-state; "" when turned off. */}}
{{- define "podwarden.stateFile" -}}
{{- $drain := (.values.config | default dict).drain | default dict -}}
{{- if hasKey $drain "stateFile" -}}
{{- toString ($drain.stateFile | default "") -}}
{{- else -}}
/run/podwarden/drain-state
{{- end -}}
{{- end -}}

{{/*
Every render-time refusal, in one order, so whichever template renders first says the same
thing: values from an older chart, the token, sidecar.env and sidecar.args, commonLabels and
commonAnnotations, the metrics port, the app check, the timing rule, what the cluster's
Kubernetes version allows, then the chart's own workload (app.enabled). Renders nothing.
*/}}
{{- define "podwarden.validate" -}}
{{- $v := .values -}}
{{- if not (hasKey ($v.timing | default dict) "profile") -}}
{{- fail "podwarden: these values have no timing.profile, which the values.yaml of chart 0.2.0 sets: they are the values of an older chart (helm upgrade --reuse-values keeps the old chart's defaults). Upgrade with --reset-then-reuse-values, or pass your values files again; see docs/helm.md, \"Upgrading from 0.1.0\"." -}}
{{- end -}}
{{- if not (kindIs "invalid" $v.drain.tokenSalt) -}}
{{- fail "podwarden: drain.tokenSalt is gone since chart 0.2.0: a token derived from the namespace, the release and a salt can be computed by anyone who knows them. Remove drain.tokenSalt (--set drain.tokenSalt=null) and set drain.token to a secret of your own (openssl rand -hex 32); see docs/helm.md, \"Upgrading from 0.1.0\"." -}}
{{- end -}}
{{- if not (kindIs "invalid" $v.networkPolicy.from) -}}
{{- fail "podwarden: networkPolicy.from is networkPolicy.metricsFrom since chart 0.2.0: it admits scrapers to the metrics port only, and the health port (/drain) takes networkPolicy.healthFrom. Rename it (--set networkPolicy.from=null and set networkPolicy.metricsFrom); see docs/helm.md, \"Upgrading from 0.1.0\"." -}}
{{- end -}}
{{- $token := include "podwarden.drainToken" . -}}
{{- if not $token -}}
{{- fail "podwarden: drain.token is not set. /drain needs a token that only you know, and the chart cannot make one: every render must be the same, and whatever it derived from the release, the namespace or the chart would be public. Make one with `openssl rand -hex 32` and keep it in your values as drain.token (or --set drain.token=...); see docs/helm.md, \"The drain token\"." -}}
{{- end -}}
{{- if lt (len $token) 32 -}}
{{- fail (printf "podwarden: drain.token has %d characters; use at least 32 that only you know, such as the output of `openssl rand -hex 32`." (len $token)) -}}
{{- end -}}
{{- $reserved := include "podwarden.reservedEnv" . | fromYaml -}}
{{- range $v.sidecar.env -}}
{{- $name := toString .name -}}
{{- if regexMatch "^PODWARDEN_(PORT|METRICS_PORT|METRICS_PREFIX|HOST_IPS|DRAIN_.+|STOP_.+)$" $name -}}
{{- $instead := get $reserved $name | default (ternary "config.drain" "config.shutdown" (hasPrefix "PODWARDEN_DRAIN_" $name)) -}}
{{- fail (printf "podwarden: sidecar.env sets %s, which would override what the chart wires and checks (probes, ports, the preStop hook and the timing rule follow the config file). Set %s instead." $name $instead) -}}
{{- end -}}
{{- end -}}
{{- range $i, $arg := $v.sidecar.args -}}
{{- $flag := regexFind "^-[^=]*" (toString $arg) -}}
{{- if regexMatch "^(-c.*|--config)$" $flag -}}
{{- fail (printf "podwarden: sidecar.args[%d] is %s: the chart runs `serve --config %s/podwarden.yaml`, the file it renders from config (and checks). Set what you need in config instead." $i $flag (trimSuffix "/" $v.sidecar.configDir)) -}}
{{- end -}}
{{- if regexMatch "^--(port|metrics-port|metrics-prefix|drain-.+|stop-.+)$" $flag -}}
{{- $env := printf "PODWARDEN_%s" (trimPrefix "--" $flag | upper | replace "-" "_") -}}
{{- $instead := get $reserved $env | default (ternary "config.drain" "config.shutdown" (hasPrefix "--drain-" $flag)) -}}
{{- fail (printf "podwarden: sidecar.args[%d] is %s, which would override what the chart wires and checks (probes, ports, the preStop hook and the timing rule follow the config file). Set %s instead." $i $flag $instead) -}}
{{- end -}}
{{- end -}}
{{- include "podwarden.refuseOwnLabels" (dict "labels" $v.commonLabels "where" "commonLabels" "keys" (include "podwarden.ownLabelKeys" . | fromJsonArray)) -}}
{{- range $key := list "helm.sh/hook" "helm.sh/hook-weight" "helm.sh/hook-delete-policy" "podwarden/timing" -}}
{{- if hasKey ($v.commonAnnotations | default dict) $key -}}
{{- fail (printf "podwarden: commonAnnotations sets %s, which the chart sets itself (the helm test pod's hook, the ConfigMap's timing record); on every object, a hook annotation would turn each into a hook. Remove it from commonAnnotations." $key) -}}
{{- end -}}
{{- end -}}
{{- $m := $v.metrics -}}
{{- if and (not (include "podwarden.hasMetricsPort" .)) (or $m.service.enabled $m.serviceMonitor.enabled $m.podMonitor.enabled $v.networkPolicy.enabled) -}}
{{- fail "podwarden: config.server.metricsPort is not set or equals config.server.port, but the metrics Service, a monitor or the NetworkPolicy needs /metrics on a port of its own: on the health port, whoever may scrape /metrics may also call /drain. Set config.server.metricsPort (e.g. 9464), or turn off metrics.service, metrics.serviceMonitor, metrics.podMonitor and networkPolicy." -}}
{{- end -}}
{{- $config := $v.config | default dict -}}
{{- $appCheck := include "podwarden.appCheck" . -}}
{{- if $appCheck -}}
{{- $names := list -}}
{{- range ($config.services | default list) -}}{{- $names = append $names (toString .name) -}}{{- end -}}
{{- if not (has $appCheck $names) -}}
{{- fail (printf "podwarden: config.drain.appCheck is %q, which is not a service in config.services (%s). Name the app's own check, or set it to \"\" to turn off un-draining when the app container comes back." $appCheck (join ", " $names)) -}}
{{- end -}}
{{- end -}}
{{- $_ := include "podwarden.timing" . -}}
{{- include "podwarden.validateKubeVersion" . -}}
{{- if $v.app.enabled -}}
{{- include "podwarden.validateWorkload" . -}}
{{- end -}}
{{- end -}}

{{/*
podwarden's config as it is mounted: values.config, with what the chart fills in where it is
not set (shutdown.drainDelay, drain.maxHold, drain.appCheck, drain.stateFile, drain.allowFrom),
string values through tpl (.Values there is podwarden's values).
*/}}
{{- define "podwarden.configYaml" -}}
{{- $t := include "podwarden.timing" . | fromJson -}}
{{- $config := deepCopy (.values.config | default dict) -}}
{{- $shutdown := $config.shutdown | default dict -}}
{{- if kindIs "invalid" $shutdown.drainDelay -}}
{{- $_ := set $shutdown "drainDelay" (printf "%ds" (int $t.drainDelay)) -}}
{{- end -}}
{{- $_ := set $config "shutdown" $shutdown -}}
{{- $drain := $config.drain | default dict -}}
{{- if kindIs "invalid" $drain.maxHold -}}
{{- $_ := set $drain "maxHold" (printf "%vs" $t.maxHold) -}}
{{- end -}}
{{- $appCheck := include "podwarden.appCheck" . -}}
{{- if $appCheck -}}
{{- $_ := set $drain "appCheck" $appCheck -}}
{{- else -}}
{{- $_ := unset $drain "appCheck" -}}
{{- end -}}
{{- $stateFile := include "podwarden.stateFile" . -}}
{{- if $stateFile -}}
{{- $_ := set $drain "stateFile" $stateFile -}}
{{- else -}}
{{- $_ := unset $drain "stateFile" -}}
{{- end -}}
{{- if and (not (hasKey $drain "allowFrom")) $t.allowFrom -}}
{{- $_ := set $drain "allowFrom" $t.allowFrom -}}
{{- end -}}
{{- $_ := set $config "drain" $drain -}}
{{- $tplContext := dict "Values" .values "Release" .context.Release "Chart" .context.Chart "Capabilities" .context.Capabilities "Template" .context.Template -}}
{{- tpl (toYaml $config) $tplContext -}}
{{- end -}}

{{/* True ("true") when the rendered config's drain.allowFrom lists hostIPs: podwarden then reads the node's addresses from PODWARDEN_HOST_IPS. */}}
{{- define "podwarden.usesHostIPs" -}}
{{- $drain := (include "podwarden.configYaml" . | fromYaml).drain | default dict -}}
{{- if has "hostIPs" ($drain.allowFrom | default list) -}}true{{- end -}}
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
