{{/*
Named templates for use from another chart that depends on this one (docs/helm.md,
"Add to an existing workload"). Each takes:
  (dict "context" $ "values" .Values.podwarden)
In this chart they are called with (dict "context" $ "values" .Values).

  podwarden.initContainers         podwarden as a list item, in native mode; empty otherwise
  podwarden.containers             podwarden as a list item, in container mode; empty otherwise
  podwarden.sidecarContainer       podwarden as a list item, whatever the mode
  podwarden.appProbes              startupProbe / readinessProbe / livenessProbe for the app container
  podwarden.appPreStop             the preStop hook (under lifecycle:) that calls /drain
  podwarden.volumes                the config volume and the drain state emptyDir, as list items
  podwarden.podAnnotations         config checksum (+ mesh exclusion); pass "annotations" to merge yours
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
{{- /* sha256 of the file as mounted (the ConfigMap's block scalar ends with a newline). */ -}}
{{- $_ := set $annotations "checksum/podwarden-config" (printf "%s\n" (include "podwarden.configYaml" .) | sha256sum) -}}
{{- if .values.mesh.excludeInboundPorts -}}
{{- $key := .values.mesh.excludeInboundPortsAnnotation -}}
{{- $ports := list (include "podwarden.port" .) -}}
{{- if include "podwarden.hasMetricsPort" . -}}
{{- $ports = append $ports (include "podwarden.metricsPort" .) -}}
{{- end -}}
{{- with (get $annotations $key) -}}
{{- $ports = concat (splitList "," (toString .)) $ports | uniq -}}
{{- end -}}
{{- $_ := set $annotations $key (join "," $ports) -}}
{{- end -}}
{{- toYaml $annotations -}}
{{- end -}}

{{- define "podwarden.terminationGracePeriodSeconds" -}}
{{- include "podwarden.validate" . -}}
{{- (include "podwarden.timing" . | fromJson).grace | int -}}
{{- end -}}

{{- define "podwarden.minReadySeconds" -}}
{{- include "podwarden.validate" . -}}
{{- (include "podwarden.timing" . | fromJson).minReadySeconds | int -}}
{{- end -}}
