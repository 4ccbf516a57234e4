import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ContainerInspectInfo } from 'dockerode';
import { GenericContainer, StartupCheckStrategy, getContainerRuntimeClient, type StartedTestContainer, type StartupStatus } from 'testcontainers';
import { afterAll, beforeAll } from 'vitest';
import { blockPort } from '../../helpers/ports.js';
import { acquireEngine, buildImage, releaseEngine } from './engine.js';

/** Where the tests mount the config, as the README does. */
export const configPath = '/etc/podwarden/podwarden.yaml';

/** The image's Node binary (distroless layout); there is no shell to find it on PATH. */
export const nodeBin = '/nodejs/bin/node';

/** Ready once the container has stopped, whatever its exit code (for containers expected to fail). */
class ExitedStrategy extends StartupCheckStrategy {
  async checkStartupState(docker: Parameters<StartupCheckStrategy['checkStartupState']>[0], id: string): Promise<StartupStatus> {
    const info = await docker.getContainer(id).inspect();
    return info.State.Running || info.State.Restarting ? 'PENDING' : 'SUCCESS';
  }
}

/**
 * The podwarden image as a sidecar runs it: on the host network, the config
 * mounted read-only at {@link configPath}, a read-only root filesystem, the port
 * set through `PODWARDEN_PORT` (which the HEALTHCHECK's `probe` reads too).
 */
export class PodwardenContainer extends GenericContainer {
  private readonly configDir: string;

  constructor(image: string, readonly port: number, configYaml: string) {
    super(image);
    this.configDir = mkdtempSync(join(tmpdir(), 'podwarden-container-'));
    const file = join(this.configDir, 'podwarden.yaml');
    writeFileSync(file, configYaml);
    chmodSync(file, 0o644);
    this.withNetworkMode('host')
      .withEnvironment({ PODWARDEN_PORT: String(port) })
      .withBindMounts([{ source: file, target: configPath, mode: 'ro' }])
      .withCommand(['serve', '--config', configPath]);
    this.hostConfig.ReadonlyRootfs = true;
  }

  /** Run the image's own HEALTHCHECK command more often; the engine keeps the image's test. */
  withHealthInterval(ms: number): this {
    this.createOpts.Healthcheck = { Interval: ms * 1_000_000 };
    return this;
  }

  /** A memory limit (bytes) with no swap beyond it, as a pod's `resources.limits.memory` sets one. */
  withMemoryLimit(bytes: number): this {
    this.hostConfig.Memory = bytes;
    this.hostConfig.MemorySwap = bytes;
    return this;
  }

  /** Node as PID 1, without the image's init: what the init is there to prevent. */
  withoutInit(): this {
    return this.withEntrypoint([nodeBin, '/app/dist/cli/main.js']);
  }

  /** Start a container that is expected to exit by itself; resolves once it has. */
  expectExit(): this {
    return this.withWaitStrategy(new ExitedStrategy().withStartupTimeout(30_000));
  }

  /** Remove the mounted config's folder (after the container is gone). */
  cleanup(): void {
    rmSync(this.configDir, { recursive: true, force: true });
  }
}

/** The engine's view of a container (state, exit code, health, config). */
export async function inspect(container: StartedTestContainer): Promise<ContainerInspectInfo> {
  const client = await getContainerRuntimeClient();
  return client.container.inspect(client.container.getById(container.getId()));
}

/** Stop (if running) and remove a container; never throws, for `afterAll`. */
export async function removeContainer(container: StartedTestContainer | undefined): Promise<void> {
  if (!container) return;
  try {
    await container.stop({ timeout: 0 });
  } catch {
    // Already gone.
  }
  // A container stopped earlier (with remove: false) is not removed by a second stop().
  try {
    const client = await getContainerRuntimeClient();
    await client.container.remove(client.container.getById(container.getId()), { removeVolumes: true });
  } catch {
    // Already removed.
  }
}

/** Everything the container wrote to stdout and stderr so far. */
export async function logs(container: StartedTestContainer): Promise<string> {
  const client = await getContainerRuntimeClient();
  const stream = await client.container.logs(client.container.getById(container.getId()), { follow: false, stdout: true, stderr: true });
  let text = '';
  for await (const chunk of stream) text += typeof chunk === 'string' ? chunk : (chunk as Buffer).toString('utf8');
  return text;
}

export interface HttpAnswer {
  status: number;
  body: string;
  contentType: string;
}

/** One GET to the container's health port; throws when nothing answers. */
export async function get(port: number, path: string): Promise<HttpAnswer> {
  const res = await fetch(`http://127.0.0.1:${port}${path}`, { signal: AbortSignal.timeout(2_000) });
  return { status: res.status, body: await res.text(), contentType: res.headers.get('content-type') ?? '' };
}

/** Poll `path` until it answers `status`. */
export async function waitForStatus(port: number, path: string, status: number, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last = 'no answer';
  while (Date.now() < deadline) {
    try {
      const answer = await get(port, path);
      if (answer.status === status) return;
      last = `${answer.status} ${answer.body.trim()}`;
    } catch (err) {
      last = (err as Error).message;
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`GET ${path} on port ${port} did not answer ${status} within ${timeoutMs}ms (last: ${last})`);
}

/** Run a Node script inside the container (there is no shell), as the image's user unless `user` says otherwise. */
export async function execNode(container: StartedTestContainer, script: string, user?: string): Promise<{ exitCode: number; stdout: string; stderr: string }> {
  const result = await container.exec([nodeBin, '-e', script], user === undefined ? {} : { user });
  return { exitCode: result.exitCode, stdout: result.stdout, stderr: result.stderr };
}

export interface ProcessEntry {
  pid: number;
  ppid: number;
  state: string;
  comm: string;
}

/**
 * The processes of the container's PID namespace, read from /proc inside it.
 * (`docker top` lists the container's cgroup, which a zombie has already left.)
 */
export async function processes(container: StartedTestContainer): Promise<ProcessEntry[]> {
  const script = `
    const fs = require('fs');
    const out = [];
    for (const pid of fs.readdirSync('/proc').filter((name) => /^\\d+$/.test(name))) {
      let stat;
      try { stat = fs.readFileSync('/proc/' + pid + '/stat', 'utf8'); } catch { continue; }
      const close = stat.lastIndexOf(')');
      const [state, ppid] = stat.slice(close + 2).split(' ');
      out.push({ pid: Number(pid), ppid: Number(ppid), state, comm: stat.slice(stat.indexOf('(') + 1, close) });
    }
    process.stdout.write(JSON.stringify(out));`;
  const result = await execNode(container, script);
  if (result.exitCode !== 0) throw new Error(`reading /proc in the container failed: ${result.stderr}`);
  return JSON.parse(result.stdout) as ProcessEntry[];
}

/** What {@link setUpPodwardenContainer} started; read it in tests, once `beforeAll` has run. */
export interface FileContainer {
  /** The running container. */
  readonly container: StartedTestContainer;
  /** Its health port (host network). */
  readonly port: number;
  /** Its definition (holding the mounted config). */
  readonly pw: PodwardenContainer;
}

/**
 * Register the `beforeAll`/`afterAll` pair of a test file that runs one
 * podwarden container: take the engine under `lease`, build the image, pick a
 * free port, start the container with `config(port)` mounted (after `adjust`
 * has changed its definition, e.g. `withMemoryLimit`) and wait until /readyz
 * answers 200; afterwards remove the container and its config and release
 * the engine. The image build may take long: `beforeAll` has 15 minutes.
 */
export function setUpPodwardenContainer(lease: string, config: (port: number) => string, adjust: (pw: PodwardenContainer) => unknown = () => undefined): FileContainer {
  let pw: PodwardenContainer | undefined;
  let container: StartedTestContainer | undefined;
  let port = 0;

  beforeAll(async () => {
    acquireEngine(lease);
    const image = await buildImage();
    port = await blockPort('::');
    pw = new PodwardenContainer(image, port, config(port));
    adjust(pw);
    container = await pw.start();
    await waitForStatus(port, '/readyz', 200);
  }, 15 * 60_000);

  afterAll(async () => {
    await removeContainer(container);
    pw?.cleanup();
    releaseEngine(lease);
  });

  const required = <T>(value: T | undefined, what: string): T => {
    if (value === undefined) throw new Error(`${what} is not there: the container did not start (see beforeAll)`);
    return value;
  };
  return {
    get container() {
      return required(container, 'the container');
    },
    get port() {
      return port;
    },
    get pw() {
      return required(pw, 'the container definition');
    },
  };
}
