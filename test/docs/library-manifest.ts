/**
 * examples/library/kubernetes.yaml read as the kubelet would run it: the one
 * container, its environment, the ports and durations the program takes from
 * it, and the drain token of the Secret mounted where the program reads it.
 */
import path from 'node:path';
import type { IDeployment } from 'kubernetes-models/apps/v1';
import type { IContainer, IPodSpec, ISecret } from 'kubernetes-models/v1';
import { parseDuration } from '../../src/core/duration.js';
import { type K8sObject, containerEnv, one, parseDocs, podSpecOf } from '../chart/support.js';

/** The pod of the library manifest and what its program is given. */
export interface LibraryPod {
  readonly docs: K8sObject[];
  readonly deployment: IDeployment;
  readonly spec: IPodSpec;
  readonly container: IContainer;
  /** The container's environment, as the program sees it. */
  readonly env: NodeJS.ProcessEnv;
  /** `PODWARDEN_PORT`: podwarden's health port. */
  readonly healthPort: number;
  /** `PORT`: the API's port. */
  readonly appPort: number;
  readonly drainDelaySeconds: number;
  readonly stopBudgetSeconds: number;
  readonly maxHoldSeconds: number;
  /** `PODWARDEN_DRAIN_TOKEN_FILE`: where the program reads the token. */
  readonly tokenFile: string;
  /** What the kubelet writes into {@link tokenFile}: the Secret's value for the mounted key. */
  readonly token: string;
}

function required(env: NodeJS.ProcessEnv, name: string): string {
  const value = env[name];
  if (value === undefined) throw new Error(`the container does not set ${name}`);
  return value;
}

function seconds(env: NodeJS.ProcessEnv, name: string): number {
  const ms = parseDuration(required(env, name));
  if (ms === undefined) throw new Error(`${name} is ${JSON.stringify(env[name])}, not a duration`);
  return ms / 1000;
}

/** The Secret value the kubelet mounts at `file` in `container`; throws naming the missing link. */
function mountedSecretValue(docs: readonly K8sObject[], spec: IPodSpec, container: IContainer, file: string): string {
  const mount = container.volumeMounts?.find((m) => file.startsWith(`${m.mountPath.replace(/\/$/, '')}/`));
  if (!mount) throw new Error(`no volumeMount of ${container.name} holds ${file}`);
  const source = spec.volumes?.find((v) => v.name === mount.name)?.secret;
  if (!source?.secretName) throw new Error(`volume ${mount.name} (mounted at ${mount.mountPath}) is not a Secret`);
  const relative = path.posix.relative(mount.mountPath, file);
  const key = source.items ? source.items.find((i) => i.path === relative)?.key : relative;
  if (key === undefined) throw new Error(`the Secret volume ${mount.name} puts no key at ${relative}`);
  const secret = docs.find((d) => d.kind === 'Secret' && d.metadata.name === source.secretName) as ISecret | undefined;
  if (!secret) throw new Error(`the manifest has no Secret ${source.secretName}`);
  const value = secret.stringData?.[key] ?? (secret.data?.[key] === undefined ? undefined : Buffer.from(secret.data[key], 'base64').toString('utf8'));
  if (value === undefined) throw new Error(`Secret ${source.secretName} has no key ${key}`);
  return value;
}

/** Read the manifest text; throws when the pod is not wired as the program expects. */
export function readLibraryManifest(text: string): LibraryPod {
  const docs = parseDocs(text);
  const deployment = one<IDeployment>(docs, 'Deployment');
  const spec = podSpecOf(deployment);
  if (spec.containers.length !== 1) throw new Error(`expected one container, found ${spec.containers.length}`);
  const container = spec.containers[0]!;
  const env = containerEnv(container);
  const tokenFile = required(env, 'PODWARDEN_DRAIN_TOKEN_FILE');
  return {
    docs,
    deployment,
    spec,
    container,
    env,
    healthPort: Number(required(env, 'PODWARDEN_PORT')),
    appPort: Number(required(env, 'PORT')),
    drainDelaySeconds: seconds(env, 'PODWARDEN_DRAIN_DELAY'),
    stopBudgetSeconds: seconds(env, 'PODWARDEN_STOP_BUDGET'),
    maxHoldSeconds: seconds(env, 'PODWARDEN_DRAIN_MAX_HOLD'),
    tokenFile,
    token: mountedSecretValue(docs, spec, container, tokenFile),
  };
}
