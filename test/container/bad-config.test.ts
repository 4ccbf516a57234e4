import type { StartedTestContainer } from 'testcontainers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { acquireEngine, buildImage, releaseEngine } from './helpers/engine.js';
import { PodwardenContainer, inspect, logs, removeContainer } from './helpers/podwarden-container.js';
import { blockPort } from '../helpers/ports.js';

const lease = `container-bad-config-${process.pid}`;
const definitions: PodwardenContainer[] = [];
const started: StartedTestContainer[] = [];
let image = '';

/** Run the image with `configYaml` mounted; resolves once the container has exited. */
async function runToExit(configYaml: string): Promise<StartedTestContainer> {
  const pw = new PodwardenContainer(image, await blockPort('::'), configYaml).expectExit();
  definitions.push(pw);
  const container = await pw.start();
  started.push(container);
  return container;
}

beforeAll(async () => {
  acquireEngine(lease);
  image = await buildImage();
}, 15 * 60_000);

afterAll(async () => {
  await Promise.all(started.map((c) => removeContainer(c)));
  for (const pw of definitions) pw.cleanup();
  releaseEngine(lease);
});

describe('a broken config', () => {
  it('makes the container exit 2, naming the bad fields in its log', async () => {
    const container = await runToExit(`
shutdown:
  drainDelay: soon
services:
  - { name: app, type: http, url: "ftp://127.0.0.1/health" }
`);
    expect((await inspect(container)).State.ExitCode).toBe(2);
    const log = await logs(container);
    expect(log).toContain('podwarden serve: invalid config in /etc/podwarden/podwarden.yaml');
    expect(log).toContain('shutdown.drainDelay: "soon" is not a duration');
    expect(log).toContain('services[0].url: scheme "ftp" is not supported');
    expect(log, 'no stack trace').not.toMatch(/\n\s+at /);
  });

  it('exits 2 on malformed YAML, with its line and column', async () => {
    const container = await runToExit('services:\n  - name: app\n    type: [http\n');
    expect((await inspect(container)).State.ExitCode).toBe(2);
    expect(await logs(container)).toMatch(/podwarden serve: invalid config in \/etc\/podwarden\/podwarden\.yaml:\n\s+- line \d+, column \d+: malformed YAML/);
  });
});
