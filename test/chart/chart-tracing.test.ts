import { readFileSync, writeFileSync } from 'node:fs';
import { type Server as HttpServer, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import type { IDeployment } from 'kubernetes-models/apps/v1';
import type { IContainer } from 'kubernetes-models/v1';
import { afterEach, describe, expect, it } from 'vitest';
import { cleanupPodwardens, startPodwarden, tempDir } from '../helpers/podwarden.js';
import { freePort } from '../helpers/ports.js';
import { extractBlocks } from '../docs/markdown-blocks.js';
import { type RenderOptions, configMapOf, one, podSpecOf, podwardenContainer, render, renderError, repoRoot, testToken, validateObject } from './support.js';

afterEach(cleanupPodwardens);

/** The downward-API fields of the pod the tests pretend to be. */
const pod: Readonly<Record<string, string>> = { 'metadata.name': 'web-podwarden-7d9f8-abcde', 'metadata.namespace': 'shop', 'spec.nodeName': 'node-1' };

/**
 * A container's environment as the kubelet makes it: values, downward-API
 * fields, and `$(VAR)` expanded from the variables defined before it (`$$`
 * is a literal `$`; an unknown reference stays as written).
 */
function kubeletEnv(container: IContainer): Record<string, string> {
  const env: Record<string, string> = {};
  for (const e of container.env ?? []) {
    if (e.value !== undefined) {
      env[e.name] = e.value.replace(/\$\$|\$\(([A-Za-z_][A-Za-z0-9_]*)\)/g, (match, name: string | undefined) => (match === '$$' ? '$' : name !== undefined && name in env ? env[name]! : match));
    } else {
      const field = e.valueFrom?.fieldRef?.fieldPath ?? '';
      if (!(field in pod)) throw new Error(`${e.name}: the test knows no downward-API field ${field}`);
      env[e.name] = pod[field]!;
    }
  }
  return env;
}

const sidecarOf = (options: RenderOptions) => {
  const { docs } = render(options);
  return { docs, sidecar: podwardenContainer(podSpecOf(one<IDeployment>(docs, 'Deployment'))).container };
};

const downward = [
  { name: 'POD_NAME', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } },
  { name: 'POD_NAMESPACE', valueFrom: { fieldRef: { fieldPath: 'metadata.namespace' } } },
  { name: 'NODE_NAME', valueFrom: { fieldRef: { fieldPath: 'spec.nodeName' } } },
];

describe('the chart wires tracing into the podwarden container', () => {
  it('off by default: no OTEL_* variables and no downward-API fields', () => {
    for (const valuesFile of ['default-values.yaml', 'container-values.yaml']) {
      expect(sidecarOf({ valuesFiles: [valuesFile] }).sidecar.env?.map((e) => e.name), valuesFile).toEqual(['PODWARDEN_DRAIN_TOKEN']);
    }
  });

  it.each(['native', 'container'])('on (%s mode): the standard variables, the pod, namespace and node first, every object valid', (mode) => {
    const { docs, sidecar } = sidecarOf({ valuesFiles: ['tracing-values.yaml'], set: { 'sidecar.mode': mode } });
    for (const doc of docs) expect(() => validateObject(doc)).not.toThrow();
    expect(sidecar.env).toEqual([
      { name: 'PODWARDEN_DRAIN_TOKEN', value: testToken },
      ...downward,
      { name: 'OTEL_EXPORTER_OTLP_ENDPOINT', value: 'http://otel-collector.observability:4318' },
      { name: 'OTEL_EXPORTER_OTLP_PROTOCOL', value: 'http/protobuf' },
      { name: 'OTEL_SERVICE_NAME', value: 'web-podwarden' },
      {
        name: 'OTEL_RESOURCE_ATTRIBUTES',
        value: 'k8s.pod.name=$(POD_NAME),k8s.namespace.name=$(POD_NAMESPACE),k8s.node.name=$(NODE_NAME),k8s.container.name=podwarden,deployment.environment.name=ci',
      },
    ]);
    // The kubelet expands the references: each names a variable defined before it.
    expect(kubeletEnv(sidecar).OTEL_RESOURCE_ATTRIBUTES).toBe('k8s.pod.name=web-podwarden-7d9f8-abcde,k8s.namespace.name=shop,k8s.node.name=node-1,k8s.container.name=podwarden,deployment.environment.name=ci');
  });

  it("keeps the user's sidecar.env after its own, and takes protocol and serviceName from the values", () => {
    const { sidecar } = sidecarOf({
      valuesFiles: ['tracing-values.yaml'],
      set: { 'tracing.protocol': 'http/json', 'tracing.serviceName': 'shop-sidecar', 'sidecar.env[0].name': 'OTEL_EXPORTER_OTLP_HEADERS', 'sidecar.env[0].value': 'x-tenant=shop' },
    });
    const env = kubeletEnv(sidecar);
    expect(env).toMatchObject({ OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json', OTEL_SERVICE_NAME: 'shop-sidecar', OTEL_EXPORTER_OTLP_HEADERS: 'x-tenant=shop' });
    expect(sidecar.env?.at(-1)?.name).toBe('OTEL_EXPORTER_OTLP_HEADERS');
  });

  it('docs/tracing.md: its values snippet renders the variables the page lists', () => {
    const page = 'docs/tracing.md';
    const snippet = extractBlocks(page, readFileSync(path.join(repoRoot, page), 'utf8')).blocks.find((b) => b.lang === 'yaml' && b.text.startsWith('tracing:\n'));
    expect(snippet?.marker?.body).toBe('covered — test/chart/chart-tracing.test.ts');
    const file = path.join(tempDir('podwarden-tracing-docs-'), 'values.yaml');
    writeFileSync(file, snippet!.text);
    const { docs, sidecar } = sidecarOf({ valuesFiles: [file] });
    for (const doc of docs) expect(() => validateObject(doc)).not.toThrow();
    expect(kubeletEnv(sidecar)).toMatchObject({
      OTEL_EXPORTER_OTLP_ENDPOINT: 'http://otel-collector.observability:4318',
      OTEL_EXPORTER_OTLP_PROTOCOL: 'http/protobuf',
      OTEL_SERVICE_NAME: 'web-podwarden',
      OTEL_RESOURCE_ATTRIBUTES: 'k8s.pod.name=web-podwarden-7d9f8-abcde,k8s.namespace.name=shop,k8s.node.name=node-1,k8s.container.name=podwarden,deployment.environment.name=production',
    });
    // The page shows the variable as the chart renders it, before the kubelet expands it.
    expect(readFileSync(path.join(repoRoot, page), 'utf8').replace(/\s+/g, ' ')).toContain(`\`OTEL_RESOURCE_ATTRIBUTES=${sidecar.env?.find((e) => e.name === 'OTEL_RESOURCE_ATTRIBUTES')?.value}\``);
  });

  it('refuses an endpoint that is missing or not an http(s) URL, and a protocol podwarden does not speak', () => {
    expect(renderError({ set: { 'tracing.enabled': true } })).toContain(
      "podwarden: tracing.enabled is true but tracing.endpoint is empty. Set it to your OpenTelemetry collector's OTLP/HTTP address, e.g. http://otel-collector.observability:4318 (podwarden posts to <endpoint>/v1/traces); see docs/tracing.md.",
    );
    expect(renderError({ set: { 'tracing.enabled': true, 'tracing.endpoint': 'otel-collector:4318' } })).toContain("at '/tracing/endpoint': 'otel-collector:4318' does not match pattern");
    expect(renderError({ set: { 'tracing.protocol': 'grpc' } })).toMatch(/at '\/tracing\/protocol': value must be one of 'http\/protobuf', 'http\/json'/);
    expect(renderError({ set: { 'tracing.sampler': 'always_on' } })).toContain("at '/tracing': additional properties 'sampler' not allowed");
  });
});

interface Attribute {
  key: string;
  value: Record<string, unknown>;
}

describe('the sidecar, with the environment the chart renders, exports to a collector', () => {
  let receiver: HttpServer | undefined;
  afterEach(() => receiver?.close());

  it('the spans carry the pod, namespace, node and container, the service name, and the attributes of the values (encoded, decoded intact)', async () => {
    const bodies: string[] = [];
    receiver = createServer((request, response) => {
      let body = '';
      request.setEncoding('utf8').on('data', (chunk: string) => (body += chunk));
      request.on('end', () => {
        bodies.push(body);
        response.writeHead(200, { 'content-type': 'application/json' }).end('{}');
      });
    });
    await new Promise<void>((resolve) => receiver!.listen(0, '127.0.0.1', resolve));
    const endpoint = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}`;

    const dir = tempDir('podwarden-tracing-');
    const port = await freePort();
    const metricsPort = await freePort();
    const awkward = 'a,b=c%d e';
    const { docs, sidecar } = sidecarOf({
      set: {
        'tracing.enabled': true,
        'tracing.endpoint': endpoint,
        'tracing.protocol': 'http/json',
        'config.server.port': port,
        'config.server.metricsPort': metricsPort,
        'config.server.host': '127.0.0.1',
        'config.drain.stateFile': path.join(dir, 'drain-state'),
      },
      extraArgs: [
        '--set-json',
        `config.services=${JSON.stringify([{ name: 'root', type: 'file', path: '/', interval: '100ms' }])}`,
        '--set-json',
        `tracing.resourceAttributes=${JSON.stringify({ team: awkward })}`,
      ],
    });
    const configFile = path.join(dir, 'podwarden.yaml');
    writeFileSync(configFile, configMapOf(docs).data?.['podwarden.yaml'] ?? '');
    const pw = await startPodwarden({ configFile, port, env: kubeletEnv(sidecar) });
    await pw.waitFor((l) => l.event === 'phase' && l.phase === 'running');
    expect(pw.events('tracing')[0]).toMatchObject({ protocol: 'http/json' });
    // SIGINT: no drain delay to wait for (the chart's profile sets seconds of it); the spans are flushed all the same.
    pw.signal('SIGINT');
    expect((await pw.exited()).code).toBe(130);

    expect(bodies.length).toBeGreaterThan(0);
    const resource = new Map<string, unknown>();
    const spans: string[] = [];
    for (const body of bodies) {
      const request = JSON.parse(body) as { resourceSpans: Array<{ resource: { attributes: Attribute[] }; scopeSpans: Array<{ spans: Array<{ name: string }> }> }> };
      for (const rs of request.resourceSpans) {
        for (const a of rs.resource.attributes) resource.set(a.key, Object.values(a.value)[0]);
        for (const ss of rs.scopeSpans) spans.push(...ss.spans.map((s) => s.name));
      }
    }
    expect(Object.fromEntries(resource)).toMatchObject({
      'service.name': 'web-podwarden',
      'k8s.pod.name': 'web-podwarden-7d9f8-abcde',
      'k8s.namespace.name': 'shop',
      'k8s.node.name': 'node-1',
      'k8s.container.name': 'podwarden',
      team: awkward,
    });
    expect(spans).toEqual(expect.arrayContaining(['podwarden.startup', 'start root', 'podwarden.shutdown', 'stop root']));
  });
});
