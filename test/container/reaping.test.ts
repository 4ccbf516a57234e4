import type { StartedTestContainer } from 'testcontainers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { acquireEngine, buildImage, releaseEngine } from './helpers/engine.js';
import { PodwardenContainer, nodeBin, processes, removeContainer, waitForStatus, type ProcessEntry } from './helpers/podwarden-container.js';
import { blockPort } from '../helpers/ports.js';

// Each run of the check starts a grandchild in its own session (so killing the
// check's process group misses it) that outlives the check by a second, then
// exits: re-parented to PID 1, it is a zombie until PID 1 reaps it.
const leaveGrandchild = `require('child_process').spawn(process.execPath, ['-e', 'setTimeout(() => {}, 1000)'], { detached: true, stdio: 'ignore' }).unref()`;
const config = `
services:
  - name: leaves-grandchildren
    type: exec
    command: ${JSON.stringify([nodeBin, '-e', leaveGrandchild])}
    interval: 250ms
    timeout: 2s
`;

const lease = `container-reaping-${process.pid}`;
const started: StartedTestContainer[] = [];
const definitions: PodwardenContainer[] = [];

async function run(withInit: boolean): Promise<StartedTestContainer> {
  const port = await blockPort('::');
  const pw = new PodwardenContainer(await buildImage(), port, config);
  definitions.push(pw);
  if (!withInit) pw.withoutInit();
  const container = await pw.start();
  started.push(container);
  await waitForStatus(port, '/readyz', 200);
  return container;
}

/** Zombies seen in two samples `gapMs` apart: leaked, not just exited a moment ago. Also how many orphans PID 1 adopted. */
async function lingeringZombies(container: StartedTestContainer, gapMs: number): Promise<{ zombies: ProcessEntry[]; adopted: number }> {
  const first = await processes(container);
  await new Promise((resolve) => setTimeout(resolve, gapMs));
  const second = await processes(container);
  const before = new Set(first.filter((p) => p.state === 'Z').map((p) => p.pid));
  // PID 1 adopts the grandchildren; its own child (podwarden, or the probe's node) is one more.
  const adopted = Math.max(...[first, second].map((sample) => sample.filter((p) => p.ppid === 1 && p.state !== 'Z').length)) - 1;
  return { zombies: second.filter((p) => p.state === 'Z' && before.has(p.pid)), adopted };
}

let withTini: StartedTestContainer;
let withoutInit: StartedTestContainer;

beforeAll(async () => {
  acquireEngine(lease);
  await buildImage();
  [withTini, withoutInit] = await Promise.all([run(true), run(false)]);
  // Let a dozen check runs leave their grandchildren, and those exit.
  await new Promise((resolve) => setTimeout(resolve, 4_000));
}, 15 * 60_000);

afterAll(async () => {
  await Promise.all(started.map((c) => removeContainer(c)));
  for (const pw of definitions) pw.cleanup();
  releaseEngine(lease);
});

describe('an exec check whose command leaves grandchildren behind', () => {
  it('leaves no zombies: tini, PID 1 in the image, reaps them', async () => {
    const { zombies, adopted } = await lingeringZombies(withTini, 1_500);
    expect(adopted, 'grandchildren re-parented to PID 1').toBeGreaterThanOrEqual(1);
    expect(zombies).toEqual([]);
  });

  it('piles up zombies with node as PID 1 instead (what the init is for)', async () => {
    const { zombies, adopted } = await lingeringZombies(withoutInit, 1_500);
    expect(adopted).toBeGreaterThanOrEqual(1);
    expect(zombies.length).toBeGreaterThanOrEqual(5);
  });
});
