{{/*
What needs a newer Kubernetes than the chart's kubeVersion (1.25): each use is refused on an
older cluster, whose API server would refuse the pod or drop the field. The version is the
cluster's on install and upgrade, --kube-version with helm template. Renders nothing.
*/}}
{{- define "podwarden.validateKubeVersion" -}}
{{- $kube := .context.Capabilities.KubeVersion.Version -}}
{{- $v := .values -}}
{{- if semverCompare "<1.29.0-0" $kube -}}
{{- if eq $v.sidecar.mode "native" -}}
{{- fail (printf "podwarden: sidecar.mode=native needs Kubernetes 1.29 or later (a native sidecar is an init container with restartPolicy Always), but the cluster is %s. Set sidecar.mode=container, a regular container (docs/helm.md, \"Sidecar modes\", says what it cannot guarantee), or upgrade the cluster." $kube) -}}
{{- end -}}
{{- if include "podwarden.usesHostIPs" . -}}
{{- fail (printf "podwarden: config.drain.allowFrom lists hostIPs (timing.profile aws-load-balancer-controller sets it unless config.drain.allowFrom is set), which podwarden reads from the downward API's status.hostIPs, new in Kubernetes 1.29; the cluster is %s. Set config.drain.allowFrom to your nodes' CIDRs, e.g. [\"10.0.0.0/16\"], or to [] to let the token alone guard /drain." $kube) -}}
{{- end -}}
{{- end -}}
{{- if and $v.app.enabled $v.pdb.enabled $v.pdb.unhealthyPodEvictionPolicy (semverCompare "<1.27.0-0" $kube) -}}
{{- fail (printf "podwarden: pdb.unhealthyPodEvictionPolicy (%s) needs Kubernetes 1.27 or later, but the cluster is %s, which would drop it. Set pdb.unhealthyPodEvictionPolicy=null (not-ready pods then wait for a healthy budget before they can be evicted)." $v.pdb.unhealthyPodEvictionPolicy $kube) -}}
{{- end -}}
{{- end -}}
