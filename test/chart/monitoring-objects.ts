/** The Prometheus Operator objects and the dashboard of a render, typed for the tests. */
import type { IConfigMap } from 'kubernetes-models/v1';
import { type K8sObject, type RenderOptions, one, render } from './support.js';

/** Hand-checked shapes of the Prometheus Operator resources (kubernetes-models does not know them). */
export interface Endpoint {
  port: string;
  path: string;
  scheme: string;
  interval: string;
  scrapeTimeout?: string;
  honorLabels: boolean;
  relabelings?: object[];
  metricRelabelings?: Array<{ sourceLabels?: string[]; regex?: string; targetLabel?: string; replacement?: string; action: string }>;
}
export interface ServiceMonitor extends K8sObject {
  spec: { namespaceSelector: { matchNames: string[] }; selector: { matchLabels: Record<string, string> }; endpoints: Endpoint[] };
}
export interface PodMonitor extends K8sObject {
  spec: { namespaceSelector: { matchNames: string[] }; selector: { matchLabels: Record<string, string> }; podMetricsEndpoints: Endpoint[] };
}
export interface Rule {
  alert: string;
  expr: string;
  for?: string;
  labels: Record<string, string>;
  annotations: Record<string, string>;
}
export interface PrometheusRule extends K8sObject {
  spec: { groups: Array<{ name: string; rules: Rule[] }> };
}

/** The PrometheusRule of a render. */
export function rulesOf(options: RenderOptions): PrometheusRule {
  return one<PrometheusRule>(render(options).docs, 'PrometheusRule');
}

export interface Dashboard {
  uid: string;
  title: string;
  panels: Array<{ title: string; type: string; targets?: Array<{ expr: string; legendFormat?: string }> }>;
  templating: { list: Array<{ name: string; query?: unknown }> };
}

/** The dashboard ConfigMap of a render, its one key (`<uid>.json`) and the dashboard in it. */
export function dashboardOf(options: RenderOptions): { configMap: IConfigMap; key: string; dashboard: Dashboard; json: string } {
  const configMap = one<IConfigMap>(render(options).docs, 'ConfigMap', '-dashboard');
  const entries = Object.entries(configMap.data ?? {});
  const [entry] = entries;
  if (entries.length !== 1 || !entry) throw new Error(`the dashboard ConfigMap has ${entries.length} keys, not one`);
  const [key, json] = entry;
  return { configMap, key, dashboard: JSON.parse(json) as Dashboard, json };
}
