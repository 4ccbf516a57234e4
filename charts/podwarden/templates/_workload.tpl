{{/*
The chart's own workload (app.enabled): the Deployment, its HorizontalPodAutoscaler,
PodDisruptionBudget and Service. Each helper takes the helper dict (context, values).
*/}}

{{/* The fewest replicas the Deployment runs: autoscaling.minReplicas with the HPA, else replicaCount. */}}
{{- define "podwarden.minReplicas" -}}
{{- if .values.autoscaling.enabled -}}
{{- .values.autoscaling.minReplicas | int -}}
{{- else -}}
{{- .values.replicaCount | int -}}
{{- end -}}
{{- end -}}

{{/* The HPA's targets, as a JSON map of resource name to utilization percent: only those set. */}}
{{- define "podwarden.autoscalingTargets" -}}
{{- $a := .values.autoscaling -}}
{{- $targets := dict -}}
{{- if not (kindIs "invalid" $a.targetCPUUtilizationPercentage) -}}
{{- $_ := set $targets "cpu" $a.targetCPUUtilizationPercentage -}}
{{- end -}}
{{- if not (kindIs "invalid" $a.targetMemoryUtilizationPercentage) -}}
{{- $_ := set $targets "memory" $a.targetMemoryUtilizationPercentage -}}
{{- end -}}
{{- toJson $targets -}}
{{- end -}}

{{/*
The containers of the pod that run for its whole life, as a JSON list of {where, container}:
what the HPA measures utilization over (restartable init containers included).
*/}}
{{- define "podwarden.runningContainers" -}}
{{- $v := .values -}}
{{- $all := list (dict "where" "app" "container" (dict "name" $v.app.name "resources" $v.app.resources)) (dict "where" "sidecar" "container" (dict "name" $v.sidecar.name "resources" $v.sidecar.resources)) -}}
{{- range $i, $c := $v.extraContainers -}}
{{- $all = append $all (dict "where" (printf "extraContainers[%d]" $i) "container" $c) -}}
{{- end -}}
{{- range $i, $c := $v.extraInitContainers -}}
{{- if eq (toString $c.restartPolicy) "Always" -}}
{{- $all = append $all (dict "where" (printf "extraInitContainers[%d]" $i) "container" $c) -}}
{{- end -}}
{{- end -}}
{{- toJson $all -}}
{{- end -}}

{{/*
topologySpreadConstraints as rendered: each one without a labelSelector gets the pods' selector
labels, so it counts this release's pods only.
*/}}
{{- define "podwarden.topologySpreadConstraints" -}}
{{- $selector := include "podwarden.selectorLabels" . | fromYaml -}}
{{- $constraints := list -}}
{{- range .values.topologySpreadConstraints -}}
{{- $c := deepCopy . -}}
{{- if not (hasKey $c "labelSelector") -}}
{{- $_ := set $c "labelSelector" (dict "matchLabels" $selector) -}}
{{- end -}}
{{- $constraints = append $constraints $c -}}
{{- end -}}
{{- with $constraints -}}
{{- toYaml . -}}
{{- end -}}
{{- end -}}

{{/* Fails when two of "items" (a list of {name, where}) share a name. Takes dict "items" and "what" (container, volume). */}}
{{- define "podwarden.refuseDuplicateNames" -}}
{{- $seen := dict -}}
{{- range $item := .items -}}
{{- $name := toString $item.name -}}
{{- with get $seen $name -}}
{{- fail (printf "podwarden: the pod would have two %ss named %q (%s and %s); Kubernetes refuses such a pod. Rename one." $.what $name . $item.where) -}}
{{- end -}}
{{- $_ := set $seen $name $item.where -}}
{{- end -}}
{{- end -}}

{{/* The PDB's budget against the fewest replicas: one that never lets a pod be evicted blocks node drains. */}}
{{- define "podwarden.validatePdb" -}}
{{- $v := .values -}}
{{- $p := $v.pdb -}}
{{- $floor := include "podwarden.minReplicas" . | int -}}
{{- $replicasFrom := ternary (printf "autoscaling.minReplicas (%d)" $floor) (printf "replicaCount (%d)" $floor) $v.autoscaling.enabled -}}
{{- $why := "the PodDisruptionBudget would allow no voluntary eviction, so `kubectl drain`, node upgrades and the cluster autoscaler would wait on these pods forever" -}}
{{- if and $p.enabled (gt $floor 0) -}}
{{- if not (kindIs "invalid" $p.minAvailable) -}}
{{- $min := $p.minAvailable | toString -}}
{{- $required := int $min -}}
{{- if hasSuffix "%" $min -}}
{{- /* A percentage of minAvailable is rounded up. */ -}}
{{- $required = div (add (mul $floor (trimSuffix "%" $min | int)) 99) 100 -}}
{{- end -}}
{{- if ge $required $floor -}}
{{- fail (printf "podwarden: pdb.minAvailable (%s) leaves no pod to evict with %s: %s. Use pdb.maxUnavailable instead (set pdb.minAvailable=null), keep more replicas, or set pdb.enabled=false." $min $replicasFrom $why) -}}
{{- end -}}
{{- else if regexMatch "^0%?$" (toString $p.maxUnavailable) -}}
{{- fail (printf "podwarden: pdb.maxUnavailable is %v: %s. Set it to 1 or more." $p.maxUnavailable $why) -}}
{{- end -}}
{{- end -}}
{{- end -}}

{{/* The HPA's bounds and targets, and the requests its utilization is measured against. */}}
{{- define "podwarden.validateAutoscaling" -}}
{{- $a := .values.autoscaling -}}
{{- if gt ($a.minReplicas | int) ($a.maxReplicas | int) -}}
{{- fail (printf "podwarden: autoscaling.minReplicas (%v) is more than autoscaling.maxReplicas (%v). Raise maxReplicas or lower minReplicas." $a.minReplicas $a.maxReplicas) -}}
{{- end -}}
{{- $targets := include "podwarden.autoscalingTargets" . | fromJson -}}
{{- if not $targets -}}
{{- fail "podwarden: autoscaling.enabled needs a target: set autoscaling.targetCPUUtilizationPercentage or autoscaling.targetMemoryUtilizationPercentage (or both)." -}}
{{- end -}}
{{- $containers := include "podwarden.runningContainers" . | fromJsonArray -}}
{{- range $resource := keys $targets | sortAlpha -}}
{{- range $containers -}}
{{- $requests := (.container.resources | default dict).requests | default dict -}}
{{- if not (get $requests $resource) -}}
{{- fail (printf "podwarden: autoscaling.target%sUtilizationPercentage measures %s against the requests of every container in the pod, but container %q has no %s request: the HPA would not scale at all. Set %s.resources.requests.%s, or remove the target." (ternary "CPU" "Memory" (eq $resource "cpu")) $resource (toString .container.name) $resource .where $resource) -}}
{{- end -}}
{{- end -}}
{{- end -}}
{{- end -}}

{{/* The app Service's type against the fields that need NodePort or LoadBalancer, and the timing model for externalTrafficPolicy: Local. */}}
{{- define "podwarden.validateService" -}}
{{- $v := .values -}}
{{- $s := $v.service -}}
{{- if eq $s.type "ClusterIP" -}}
{{- if not (kindIs "invalid" $s.nodePort) -}}
{{- fail (printf "podwarden: service.nodePort (%v) needs service.type NodePort or LoadBalancer, but it is ClusterIP, which has no node port. Set service.type, or service.nodePort=null." $s.nodePort) -}}
{{- end -}}
{{- if $s.externalTrafficPolicy -}}
{{- fail (printf "podwarden: service.externalTrafficPolicy (%s) needs service.type NodePort or LoadBalancer, but it is ClusterIP; Kubernetes refuses it there. Set service.type, or remove service.externalTrafficPolicy." $s.externalTrafficPolicy) -}}
{{- end -}}
{{- end -}}
{{- if and (eq (toString $s.externalTrafficPolicy) "Local") (not $v.timing.externalTrafficPolicyLocal.enabled) -}}
{{- fail "podwarden: service.externalTrafficPolicy is Local, but timing.externalTrafficPolicyLocal.enabled is false: kube-proxy then sends a node's balancer traffic to its draining pod only while the pod is Ready, and the readiness probe must keep it so until the balancer's node health check has taken the node out. Set timing.externalTrafficPolicyLocal.enabled=true (with your balancer's healthCheckIntervalSeconds and unhealthyThreshold; docs/helm.md, \"externalTrafficPolicy: Local\"), or service.externalTrafficPolicy=Cluster." -}}
{{- end -}}
{{- end -}}

{{/* The checks of the chart's own workload; podwarden.validate runs them when app.enabled. Renders nothing. */}}
{{- define "podwarden.validateWorkload" -}}
{{- $v := .values -}}
{{- if and $v.app.preStop (hasKey ($v.app.lifecycle | default dict) "preStop") -}}
{{- fail "podwarden: app.lifecycle.preStop is set, but the app's preStop hook is the chart's: it calls podwarden's /drain (app.preStop=true), and a container has one preStop. Do that work in the app's SIGTERM handler, which runs after the drain, or set app.preStop=false to use your hook instead (the pod then does not drain)." -}}
{{- end -}}
{{- include "podwarden.refuseOwnLabels" (dict "labels" $v.podLabels "where" "podLabels" "keys" (keys (include "podwarden.selectorLabels" . | fromYaml) | sortAlpha)) -}}
{{- if $v.service.enabled -}}
{{- include "podwarden.refuseOwnLabels" (dict "labels" $v.service.labels "where" "service.labels" "keys" (include "podwarden.ownLabelKeys" . | fromJsonArray)) -}}
{{- include "podwarden.validateService" . -}}
{{- end -}}
{{- $rolling := $v.strategy.rollingUpdate | default dict -}}
{{- if and (eq $v.strategy.type "RollingUpdate") (regexMatch "^0%?$" (toString ($rolling.maxSurge | default 0))) (regexMatch "^0%?$" (toString ($rolling.maxUnavailable | default 0))) -}}
{{- fail "podwarden: strategy.rollingUpdate.maxSurge and maxUnavailable are both 0, so a rollout could neither add nor remove a pod; Kubernetes refuses it. Keep maxSurge at 1 (maxUnavailable 0: a new pod is ready before an old one drains)." -}}
{{- end -}}
{{- if $v.autoscaling.enabled -}}
{{- include "podwarden.validateAutoscaling" . -}}
{{- end -}}
{{- include "podwarden.validatePdb" . -}}
{{- end -}}

{{/*
Container and volume names in the Deployment's pod, each used once. The Deployment runs it
(podwarden.volumes lists podwarden's own volumes; podwarden.validate does not call templates
that may call it back). Renders nothing.
*/}}
{{- define "podwarden.validatePodNames" -}}
{{- $v := .values -}}
{{- $containers := list (dict "name" $v.app.name "where" "app.name") (dict "name" $v.sidecar.name "where" "sidecar.name") -}}
{{- range $i, $c := $v.extraInitContainers -}}
{{- $containers = append $containers (dict "name" $c.name "where" (printf "extraInitContainers[%d]" $i)) -}}
{{- end -}}
{{- range $i, $c := $v.extraContainers -}}
{{- $containers = append $containers (dict "name" $c.name "where" (printf "extraContainers[%d]" $i)) -}}
{{- end -}}
{{- include "podwarden.refuseDuplicateNames" (dict "items" $containers "what" "container") -}}
{{- $volumes := list -}}
{{- range include "podwarden.volumes" . | fromYamlArray -}}
{{- $volumes = append $volumes (dict "name" .name "where" "podwarden's own") -}}
{{- end -}}
{{- if $v.app.tmpDir -}}
{{- $volumes = append $volumes (dict "name" "tmp" "where" "app.tmpDir") -}}
{{- end -}}
{{- range $i, $vol := $v.extraVolumes -}}
{{- $volumes = append $volumes (dict "name" $vol.name "where" (printf "extraVolumes[%d]" $i)) -}}
{{- end -}}
{{- include "podwarden.refuseDuplicateNames" (dict "items" $volumes "what" "volume") -}}
{{- end -}}
