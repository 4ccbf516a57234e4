/**
 * A stand-in for the Kubernetes API server, for the real `helm` and `kubectl`:
 * the version, discovery, and an in-memory object store that answers create,
 * get, list (label and `metadata.name` field selectors), server-side apply,
 * merge patches, replace and delete for the kinds the chart renders. It keeps
 * what a release leaves behind, so a test can read what Helm created, kept or
 * deleted. It refuses a data change to an immutable ConfigMap, as the API
 * server does. Nothing runs: no controller makes ReplicaSets or pods.
 */
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { parse as parseYaml } from 'yaml';
import { decodeSecret } from './k8s-protobuf.js';

interface Resource {
  readonly group: string;
  readonly version: string;
  readonly kind: string;
  readonly plural: string;
  readonly namespaced: boolean;
}

const resources: readonly Resource[] = [
  { group: '', version: 'v1', kind: 'Namespace', plural: 'namespaces', namespaced: false },
  { group: '', version: 'v1', kind: 'ConfigMap', plural: 'configmaps', namespaced: true },
  { group: '', version: 'v1', kind: 'Secret', plural: 'secrets', namespaced: true },
  { group: '', version: 'v1', kind: 'Service', plural: 'services', namespaced: true },
  { group: '', version: 'v1', kind: 'ServiceAccount', plural: 'serviceaccounts', namespaced: true },
  { group: '', version: 'v1', kind: 'Pod', plural: 'pods', namespaced: true },
  { group: 'apps', version: 'v1', kind: 'Deployment', plural: 'deployments', namespaced: true },
  { group: 'apps', version: 'v1', kind: 'ReplicaSet', plural: 'replicasets', namespaced: true },
  { group: 'apps', version: 'v1', kind: 'StatefulSet', plural: 'statefulsets', namespaced: true },
  { group: 'apps', version: 'v1', kind: 'DaemonSet', plural: 'daemonsets', namespaced: true },
  { group: 'apps', version: 'v1', kind: 'ControllerRevision', plural: 'controllerrevisions', namespaced: true },
  { group: 'policy', version: 'v1', kind: 'PodDisruptionBudget', plural: 'poddisruptionbudgets', namespaced: true },
  { group: 'networking.k8s.io', version: 'v1', kind: 'NetworkPolicy', plural: 'networkpolicies', namespaced: true },
];

/** A stored object, as the API server would return it. */
export interface StoredObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string>; annotations?: Record<string, string>; [field: string]: unknown };
  [field: string]: unknown;
}

/** The stub, listening on 127.0.0.1. */
export interface ApiServerStub {
  readonly url: string;
  /** The objects of a kind in a namespace, by name. */
  objects(kind: string, namespace: string): Map<string, StoredObject>;
  /** Store an object as a controller would have made it (a ReplicaSet the Deployment controller created). */
  put(object: StoredObject): void;
  /** Every request, `METHOD path`, in order. */
  readonly requests: string[];
  close(): Promise<void>;
}

type Json = Record<string, unknown>;

const apiVersionOf = (r: Resource) => (r.group ? `${r.group}/${r.version}` : r.version);

function status(code: number, reason: string, message: string): Json {
  return { kind: 'Status', apiVersion: 'v1', metadata: {}, status: code < 300 ? 'Success' : 'Failure', message, reason, code };
}

/** JSON merge patch (RFC 7386); also stands in for strategic merge and apply, which add to what is there. */
function mergePatch(target: unknown, patch: unknown): unknown {
  if (patch === null || typeof patch !== 'object' || Array.isArray(patch)) return patch;
  const out: Json = target !== null && typeof target === 'object' && !Array.isArray(target) ? { ...(target as Json) } : {};
  for (const [key, value] of Object.entries(patch as Json)) {
    if (value === null) delete out[key];
    else out[key] = mergePatch(out[key], value);
  }
  return out;
}

/** JSON patch (RFC 6902) `add`, `replace` and `remove`, what `kubectl rollout undo` sends. */
function jsonPatch(target: unknown, ops: ReadonlyArray<{ op: string; path: string; value?: unknown }>): unknown {
  const out = structuredClone(target) as Json;
  for (const { op, path, value } of ops) {
    const keys = path.split('/').slice(1).map((k) => k.replaceAll('~1', '/').replaceAll('~0', '~'));
    const last = keys.pop() ?? '';
    let parent: Json = out;
    for (const key of keys) parent = (parent[key] ??= {}) as Json;
    if (op === 'remove') delete parent[last];
    else if (op === 'add' || op === 'replace') parent[last] = value;
    else throw new Error(`json patch: op ${op} not supported`);
  }
  return out;
}

/** Equality, inequality, `in`, `notin` and existence requirements, comma-separated. */
function matchesLabels(selector: string, labels: Record<string, string> = {}): boolean {
  const requirements = selector.match(/[^,(]+(\([^)]*\))?/g) ?? [];
  return requirements.every((raw) => {
    const req = raw.trim();
    const set = /^(\S+)\s+(in|notin)\s+\(([^)]*)\)$/.exec(req);
    if (set) {
      const values = (set[3] ?? '').split(',').map((v) => v.trim());
      const has = values.includes(labels[set[1] ?? ''] ?? '\0');
      return set[2] === 'in' ? has : !has;
    }
    const pair = /^([^!=]+)(==|=|!=)(.*)$/.exec(req);
    if (pair) return pair[2] === '!=' ? labels[pair[1] ?? ''] !== pair[3] : labels[pair[1] ?? ''] === pair[3];
    if (req.startsWith('!')) return !(req.slice(1) in labels);
    return req in labels;
  });
}

function matchesFields(selector: string, object: StoredObject): boolean {
  return selector.split(',').every((req) => {
    const [field, value] = req.split('=');
    if (field === 'metadata.name') return object.metadata.name === value;
    if (field === 'metadata.namespace') return object.metadata.namespace === value;
    return true;
  });
}

/** Start the stub. */
export async function startApiServerStub(): Promise<ApiServerStub> {
  const store = new Map<string, Map<string, StoredObject>>();
  const requests: string[] = [];
  let resourceVersion = 1;
  const bucket = (kind: string, namespace: string) => {
    const key = `${kind}/${namespace}`;
    let objects = store.get(key);
    if (!objects) store.set(key, (objects = new Map()));
    return objects;
  };
  const stamp = (object: StoredObject, previous: StoredObject | undefined): StoredObject => {
    const metadata: StoredObject['metadata'] = { ...object.metadata, uid: previous?.metadata.uid ?? randomUUID(), resourceVersion: String(++resourceVersion), creationTimestamp: previous?.metadata.creationTimestamp ?? new Date().toISOString() };
    if (object.kind === 'Deployment' || object.kind === 'ReplicaSet' || object.kind === 'StatefulSet' || object.kind === 'DaemonSet') metadata.generation = Number(previous?.metadata.generation ?? 0) + 1;
    return { ...object, metadata };
  };
  /** The API server's own refusal of a data change to an immutable ConfigMap or Secret. */
  const immutableViolation = (previous: StoredObject | undefined, next: StoredObject): string | undefined => {
    if (!previous || previous.immutable !== true) return undefined;
    if (JSON.stringify(previous.data ?? {}) === JSON.stringify(next.data ?? {}) && JSON.stringify(previous.binaryData ?? {}) === JSON.stringify(next.binaryData ?? {}) && next.immutable === true) return undefined;
    return `${previous.kind} "${previous.metadata.name}" is invalid: data: Forbidden: field is immutable when \`immutable\` is set`;
  };

  const discovery = (path: string): Json | undefined => {
    if (path === '/version') return { major: '1', minor: '31', gitVersion: 'v1.31.0', platform: 'linux/amd64' };
    if (path === '/api') return { kind: 'APIVersions', versions: ['v1'], serverAddressByClientCIDRs: [] };
    if (path === '/apis') {
      const groups = [...new Set(resources.filter((r) => r.group).map((r) => apiVersionOf(r)))].map((gv) => {
        const [name, version] = gv.split('/');
        return { name, versions: [{ groupVersion: gv, version }], preferredVersion: { groupVersion: gv, version } };
      });
      return { kind: 'APIGroupList', apiVersion: 'v1', groups };
    }
    // OpenAPI v3, which Helm reads to validate hooks: each kind's PATCH takes `fieldValidation`, so validation is left to the server (the render tests validate the fields).
    const gvPath = (gv: string) => (gv === 'v1' ? 'api/v1' : `apis/${gv}`);
    if (path === '/openapi/v3') {
      const paths: Json = {};
      for (const gv of new Set(resources.map(apiVersionOf))) paths[gvPath(gv)] = { serverRelativeURL: `/openapi/v3/${gvPath(gv)}` };
      return { paths };
    }
    const openapi = /^\/openapi\/v3\/(?:api\/(v1)|apis\/([^/]+)\/([^/]+))$/.exec(path);
    if (openapi) {
      const groupVersion = openapi[1] ?? `${openapi[2]}/${openapi[3]}`;
      const paths: Json = {};
      for (const r of resources.filter((x) => apiVersionOf(x) === groupVersion)) {
        const patch = { 'x-kubernetes-group-version-kind': { group: r.group, version: r.version, kind: r.kind }, parameters: [{ name: 'fieldValidation', in: 'query', schema: { type: 'string' } }], responses: { '200': { description: 'OK' } } };
        paths[`/${gvPath(groupVersion)}${r.namespaced ? '/namespaces/{namespace}' : ''}/${r.plural}/{name}`] = { patch };
      }
      return { openapi: '3.0.0', info: { title: 'stub', version: 'v1.31.0' }, paths };
    }
    const list = /^\/(?:api\/(v1)|apis\/([^/]+)\/([^/]+))$/.exec(path);
    if (!list) return undefined;
    const groupVersion = list[1] ?? `${list[2]}/${list[3]}`;
    const here = resources.filter((r) => apiVersionOf(r) === groupVersion);
    if (here.length === 0) return undefined;
    const verbs = ['create', 'delete', 'get', 'list', 'patch', 'update', 'watch'];
    return { kind: 'APIResourceList', apiVersion: 'v1', groupVersion, resources: here.map((r) => ({ name: r.plural, singularName: r.kind.toLowerCase(), namespaced: r.namespaced, kind: r.kind, verbs })) };
  };

  /** A request body: JSON or YAML, or a protobuf Secret (Helm's release storage). Answers are JSON, which client-go accepts too. */
  const parseBody = (req: IncomingMessage, body: Buffer): StoredObject => ((req.headers['content-type'] ?? '').includes('protobuf') ? (decodeSecret(body) as StoredObject) : (parseYaml(body.toString('utf8')) as StoredObject));

  const handle = (req: IncomingMessage, body: Buffer): { code: number; body: Json } => {
    const url = new URL(req.url ?? '/', 'http://stub');
    const path = url.pathname;
    const found = discovery(path);
    if (found && req.method === 'GET') return { code: 200, body: found };
    const m = /^\/(?:api\/v1|apis\/([^/]+)\/([^/]+))(?:\/namespaces\/([^/]+))?\/([^/]+)(?:\/([^/]+))?$/.exec(path);
    const resource = m && resources.find((r) => r.plural === m[4] && apiVersionOf(r) === (m[1] ? `${m[1]}/${m[2]}` : 'v1'));
    if (!m || !resource) return { code: 404, body: status(404, 'NotFound', `the server could not find the requested resource (${path})`) };
    const namespace = m[3] ?? '';
    const name = m[5];
    const objects = bucket(resource.kind, namespace);
    const existing = name ? objects.get(name) : undefined;
    const notFound = () => ({ code: 404, body: status(404, 'NotFound', `${resource.plural} "${name}" not found`) });
    switch (req.method) {
      case 'GET': {
        if (name) return existing ? { code: 200, body: existing } : notFound();
        const labelSelector = url.searchParams.get('labelSelector') ?? '';
        const fieldSelector = url.searchParams.get('fieldSelector') ?? '';
        const all = namespace ? [...objects.values()] : [...store.entries()].filter(([key]) => key.startsWith(`${resource.kind}/`)).flatMap(([, v]) => [...v.values()]);
        const items = all.filter((o) => matchesLabels(labelSelector, o.metadata.labels) && matchesFields(fieldSelector, o));
        return { code: 200, body: { kind: `${resource.kind}List`, apiVersion: apiVersionOf(resource), metadata: { resourceVersion: String(resourceVersion) }, items } };
      }
      case 'POST': {
        const object = parseBody(req, body);
        const objectName = object.metadata.name;
        if (objects.has(objectName)) return { code: 409, body: status(409, 'AlreadyExists', `${resource.plural} "${objectName}" already exists`) };
        const stored = stamp({ ...object, metadata: { ...object.metadata, ...(resource.namespaced ? { namespace } : {}) } }, undefined);
        objects.set(objectName, stored);
        return { code: 201, body: stored };
      }
      case 'PUT':
      case 'PATCH': {
        if (!name) return { code: 405, body: status(405, 'MethodNotAllowed', 'no name') };
        const type = req.headers['content-type'] ?? '';
        const patch = parseBody(req, body);
        if (!existing && !type.startsWith('application/apply-patch')) return notFound();
        let next: StoredObject;
        if (req.method === 'PUT') next = patch;
        else if (type.startsWith('application/json-patch')) next = jsonPatch(existing, patch as unknown as Array<{ op: string; path: string; value?: unknown }>) as StoredObject;
        else next = mergePatch(existing ?? {}, patch) as StoredObject;
        next.metadata = { ...next.metadata, name, ...(resource.namespaced ? { namespace } : {}) };
        const refused = immutableViolation(existing, next);
        if (refused) return { code: 422, body: status(422, 'Invalid', refused) };
        const stored = stamp(next, existing);
        objects.set(name, stored);
        return { code: existing ? 200 : 201, body: stored };
      }
      case 'DELETE': {
        if (!existing || !name) return notFound();
        objects.delete(name);
        return { code: 200, body: existing };
      }
      default:
        return { code: 405, body: status(405, 'MethodNotAllowed', String(req.method)) };
    }
  };

  const server: Server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      requests.push(`${req.method} ${req.url} ${req.headers['content-type'] ?? ''} ${req.headers.accept ?? ''}`);
      let answer: { code: number; body: Json };
      try {
        answer = handle(req, body);
      } catch (err) {
        answer = { code: 400, body: status(400, 'BadRequest', (err as Error).message) };
      }
      res.writeHead(answer.code, { 'content-type': 'application/json' });
      res.end(JSON.stringify(answer.body));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url,
    requests,
    objects: (kind, namespace) => bucket(kind, namespace),
    put: (object) => {
      const objects = bucket(object.kind, object.metadata.namespace ?? '');
      objects.set(object.metadata.name, stamp(object, objects.get(object.metadata.name)));
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** A kubeconfig for the stub, in `dir`; returns its path. */
export function stubKubeconfig(url: string, namespace: string): string {
  return JSON.stringify({
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [{ name: 'stub', cluster: { server: url } }],
    users: [{ name: 'stub', user: {} }],
    contexts: [{ name: 'stub', context: { cluster: 'stub', user: 'stub', namespace } }],
    'current-context': 'stub',
  });
}
