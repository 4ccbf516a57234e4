{{/*
Named templates for use from another chart that depends on this one (docs/helm.md,
"Add to an existing workload"). Each takes:
  (dict "context" $ "values" .Values.podwarden)
with .Values.<alias> for a dependency with an alias (the objects are named after it), and,
optionally, "terminationGracePeriodSeconds": the parent pod's grace period, which the timing
rule then checks instead of podwarden's own value. In this chart they are called with
(dict "context" $ "values" .Values).

  podwarden.initContainers         podwarden as a list item, in native mode; empty otherwise
  podwarden.containers             podwarden as a list item, in container mode; empty otherwise
  podwarden.sidecarContainer       podwarden as a list item, whatever the mode
  podwarden.appContainer           the app container ("container": a dict) with the probes and
                                   preStop added, as a list item; refuses one that has them
  podwarden.appProbes              startupProbe / readinessProbe / livenessProbe for the app container
  podwarden.appPreStop             the preStop hook (under lifecycle:) that calls /drain
  podwarden.volumes                the config volume and the drain state emptyDir, as list items
  podwarden.podAnnotations         config checksum (+ mesh exclusion); pass "annotations" to merge yours
  podwarden.podLabels              the label the dependency's Service, monitors and NetworkPolicy
                                   select; pass "labels" to merge yours
  podwarden.terminationGracePeriodSeconds   the grace period, after the timing rule passes
  podwarden.minReadySeconds        the Deployment's minReadySeconds (the profile's, unless set)
Each runs podwarden.validate first, so a refused value fails the render wherever it is used.
*/}}

{{- define "podwarden.sidecarContainer" -}}
{{- include "podwarden.validate" . -}}
{{- $s := .values.sidecar -}}
{{- $port := include "podwarden.port" . | int -}}
{{- $stateFile := include "podwarden.stateFile" . -}}
- name: {{ $s.name }}
  image: {{ include "podwarden.imageRef" (dict "image" $s.image "registry" (include "podwarden.imageRegistry" .)) | quote }}
  imagePullPolicy: {{ $s.image.pullPolicy }}
  {{- if eq $s.mode "native" }}
  restartPolicy: Always
  {{- end }}
  args:
    - serve
    - --config
    - {{ printf "%s/podwarden.yaml" (trimSuffix "/" $s.configDir) | quote }}
    {{- with $s.args }}
    {{- toYaml . | nindent 4 }}
    {{- end }}
  env:
    - name: PODWARDEN_DRAIN_TOKEN
      value: {{ include "podwarden.drainToken" . | quote }}
    {{- with (include "podwarden.podMaxHold" .) }}
    - name: PODWARDEN_DRAIN_MAX_HOLD
      value: {{ . | quote }}
    {{- end }}
    {{- if include "podwarden.usesHostIPs" . }}
    - name: PODWARDEN_HOST_IPS
      valueFrom:
        fieldRef:
          fieldPath: status.hostIPs
    {{- end }}
    {{- with (include "podwarden.tracingEnv" .) }}
    {{- . | nindent 4 }}
    {{- end }}
    {{- with $s.env }}
    {{- toYaml . | nindent 4 }}
    {{- end }}
  ports:
    - name: podwarden
      containerPort: {{ $port }}
      protocol: TCP
    {{- if include "podwarden.hasMetricsPort" . }}
    - name: pw-metrics
      containerPort: {{ include "podwarden.metricsPort" . }}
      protocol: TCP
    {{- end }}
  {{- if $s.probes.startup.enabled }}
  startupProbe:
    httpGet:
      path: /startupz/podwarden
      port: {{ $port }}
    {{- include "podwarden.probeFields" $s.probes.startup | nindent 4 }}
  {{- end }}
  {{- if $s.probes.liveness.enabled }}
  livenessProbe:
    httpGet:
      path: /livez/podwarden
      port: {{ $port }}
    {{- include "podwarden.probeFields" $s.probes.liveness | nindent 4 }}
  {{- end }}
  {{- with $s.resources }}
  resources:
    {{- toYaml . | nindent 4 }}
  {{- end }}
  {{- with $s.securityContext }}
  securityContext:
    {{- toYaml . | nindent 4 }}
  {{- end }}
  volumeMounts:
    - name: podwarden-config
      mountPath: {{ $s.configDir }}
      readOnly: true
    {{- if $stateFile }}
    - name: podwarden-state
      mountPath: {{ dir $stateFile }}
    {{- end }}
    {{- with $s.volumeMounts }}
    {{- toYaml . | nindent 4 }}
    {{- end }}
{{- end -}}

{{- define "podwarden.initContainers" -}}
{{- if eq .values.sidecar.mode "native" -}}
{{- include "podwarden.sidecarContainer" . -}}
{{- end -}}
{{- end -}}

{{- define "podwarden.containers" -}}
{{- if eq .values.sidecar.mode "container" -}}
{{- include "podwarden.sidecarContainer" . -}}
{{- end -}}
{{- end -}}

{{- define "podwarden.appProbes" -}}
{{- include "podwarden.appProbesUntrimmed" . | trim -}}
{{- end -}}

{{- define "podwarden.appProbesUntrimmed" -}}
{{- include "podwarden.validate" . -}}
{{- $p := .values.app.probes -}}
{{- $t := include "podwarden.timing" . | fromJson -}}
{{- $port := include "podwarden.port" . | int -}}
{{- if $p.startup.enabled }}
startupProbe:
  httpGet:
    path: /startupz
    port: {{ $port }}
  {{- include "podwarden.probeFields" $p.startup | nindent 2 }}
{{- end }}
{{- if $p.readiness.enabled }}
readinessProbe:
  httpGet:
    path: /readyz
    port: {{ $port }}
  {{- include "podwarden.probeFields" (merge (dict "failureThreshold" $t.readinessFailureThreshold) (omit $p.readiness "terminationGracePeriodSeconds" "failureThreshold")) | nindent 2 }}
{{- end }}
{{- if $p.liveness.enabled }}
livenessProbe:
  httpGet:
    {{- if eq $p.liveness.target "podwarden" }}
    path: /livez
    port: {{ $port }}
    {{- else }}
    path: {{ $p.liveness.path | quote }}
    port: {{ .values.app.port | int }}
    {{- end }}
  {{- include "podwarden.probeFields" $p.liveness | nindent 2 }}
{{- end }}
{{- end -}}

{{- define "podwarden.appPreStop" -}}
{{- include "podwarden.validate" . -}}
preStop:
  httpGet:
    path: /drain
    port: {{ include "podwarden.port" . }}
    scheme: HTTP
    httpHeaders:
      - name: Authorization
        value: {{ printf "Bearer %s" (include "podwarden.drainToken" .) | quote }}
{{- end -}}

{{/*
The app container with podwarden's probes and preStop hook added, as a list item. Takes the
helper dict plus "container": the container as your chart would write it, as a dict (e.g.
`include "mychart.container" . | fromYaml`). Every key podwarden sets has one owner: a
container that already has one of them is refused, never merged, since either way one of
the two would silently not run. Its other keys, and lifecycle.postStart, are kept.
*/}}
{{- define "podwarden.appContainer" -}}
{{- include "podwarden.validate" . -}}
{{- $c := deepCopy (.container | default dict) -}}
{{- $name := $c.name | default "" -}}
{{- if not $name -}}
{{- fail "podwarden: podwarden.appContainer needs \"container\": your app container as a dict, with its name, e.g. (dict \"context\" $ \"values\" .Values.podwarden \"container\" (include \"mychart.container\" . | fromYaml))." -}}
{{- end -}}
{{- $dependency := include "podwarden.dependencyName" . -}}
{{- $p := .values.app.probes -}}
{{- $port := include "podwarden.port" . -}}
{{- $owned := list -}}
{{- if $p.startup.enabled -}}
{{- $owned = append $owned (list "startupProbe" (printf "podwarden's startupProbe asks /startupz on port %s, which passes once every service in config.services has been ready" $port) (printf "Remove yours and let podwarden check the app (config.services), or keep it and set %s.app.probes.startup.enabled=false" $dependency)) -}}
{{- end -}}
{{- if $p.readiness.enabled -}}
{{- $owned = append $owned (list "readinessProbe" (printf "podwarden's readinessProbe asks /readyz on port %s, which fails the moment a drain starts" $port) (printf "Remove yours and let podwarden check the app (config.services). Keeping yours (%s.app.probes.readiness.enabled=false) means the drain no longer takes the pod out of its endpoints" $dependency)) -}}
{{- end -}}
{{- if $p.liveness.enabled -}}
{{- $owned = append $owned (list "livenessProbe" "podwarden's livenessProbe asks the app's own port (app.port, app.probes.liveness.path)" (printf "Remove yours and set %s.app.port and %s.app.probes.liveness.path to the check it made, or keep it and set %s.app.probes.liveness.enabled=false" $dependency $dependency $dependency)) -}}
{{- end -}}
{{- range $owned -}}
{{- if hasKey $c (index . 0) -}}
{{- fail (printf "podwarden: the container %q passed to podwarden.appContainer already has a %s, and %s: the pod would get two, and only one would run. %s." $name (index . 0) (index . 1) (index . 2)) -}}
{{- end -}}
{{- end -}}
{{- $c = merge $c (include "podwarden.appProbesUntrimmed" . | fromYaml) -}}
{{- if .values.app.preStop -}}
{{- $lifecycle := $c.lifecycle | default dict -}}
{{- if hasKey $lifecycle "preStop" -}}
{{- fail (printf "podwarden: the container %q passed to podwarden.appContainer already has a lifecycle.preStop, and podwarden's preStop calls /drain, which holds the container until the balancers have stopped sending to the pod: the pod would get two, and only one would run. Remove yours (the drain delay replaces a preStop sleep; put shutdown work in the app's SIGTERM handler), or keep it and set %s.app.preStop=false (nothing then drains the pod before SIGTERM)." $name $dependency) -}}
{{- end -}}
{{- $_ := set $c "lifecycle" (merge $lifecycle (include "podwarden.appPreStop" . | fromYaml)) -}}
{{- end -}}
{{- toYaml (list $c) -}}
{{- end -}}

{{- define "podwarden.volumes" -}}
- name: podwarden-config
  configMap:
    name: {{ include "podwarden.configMapName" . }}
{{- if include "podwarden.stateFile" . }}
- name: podwarden-state
  emptyDir:
    sizeLimit: 1Mi
{{- end }}
{{- end -}}

{{- define "podwarden.podAnnotations" -}}
{{- include "podwarden.validate" . -}}
{{- $annotations := deepCopy (.annotations | default dict) -}}
{{- $_ := set $annotations "checksum/podwarden-config" (include "podwarden.configHash" .) -}}
{{- if .values.mesh.excludeInboundPorts -}}
{{- /* The health port only: the kubelet's probes and preStop hook. Scrapes of the metrics port stay under mesh policy. */ -}}
{{- $key := .values.mesh.excludeInboundPortsAnnotation -}}
{{- $ports := list (include "podwarden.port" .) -}}
{{- with (get $annotations $key) -}}
{{- $ports = concat (splitList "," (toString .)) $ports | uniq -}}
{{- end -}}
{{- $_ := set $annotations $key (join "," $ports) -}}
{{- end -}}
{{- toYaml $annotations -}}
{{- end -}}

{{- define "podwarden.podLabels" -}}
{{- include "podwarden.validate" . -}}
{{- $labels := deepCopy (.labels | default dict) -}}
{{- $labels = merge (include "podwarden.instanceLabel" . | fromYaml) $labels -}}
{{- toYaml $labels -}}
{{- end -}}

{{/*
drain.maxHold for the pod when a parent passes a grace period the dependency's ConfigMap does
not know (the file's maxHold follows podwarden's own value); "" when the file's is right.
*/}}
{{- define "podwarden.podMaxHold" -}}
{{- $pod := (include "podwarden.timing" . | fromJson).maxHold -}}
{{- $file := (include "podwarden.timing" (dict "context" .context "values" .values) | fromJson).maxHold -}}
{{- if ne $pod $file -}}
{{- printf "%vs" $pod -}}
{{- end -}}
{{- end -}}

{{- define "podwarden.terminationGracePeriodSeconds" -}}
{{- include "podwarden.validate" . -}}
{{- (include "podwarden.timing" . | fromJson).grace | int -}}
{{- end -}}

{{- define "podwarden.minReadySeconds" -}}
{{- include "podwarden.validate" . -}}
{{- (include "podwarden.timing" . | fromJson).minReadySeconds | int -}}
{{- end -}}
