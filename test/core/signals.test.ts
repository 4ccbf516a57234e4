import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { NodeProcess } from '../helpers/child.js';

const script = fileURLToPath(new URL('./fixtures/signal-server.mjs', import.meta.url));
const running: NodeProcess[] = [];

function start(spec: object): NodeProcess {
  const fixture = new NodeProcess([script], { env: { PODWARDEN_FIXTURE: JSON.stringify(spec) } });
  running.push(fixture);
  return fixture;
}

const allReady = (fixture: NodeProcess, names: string[]) =>
  Promise.all(names.map((name) => fixture.waitFor((l) => l.kind === 'state' && l.name === name && l.state === 'ready')));

afterEach(() => {
  for (const fixture of running.splice(0)) fixture.kill();
});

describe('signals, in a real process', () => {
  it('installs its handlers before the first service starts', async () => {
    // The service signals its own process while starting: without a handler the process would die of SIGTERM.
    const fixture = start({ server: { shutdown: { drainDelay: 50 } }, services: [{ name: 'a', killSelfAtStart: 'SIGTERM' }] });
    const exit = await fixture.exited;
    expect(exit).toMatchObject({ code: 0, signal: null });
    expect(fixture.lines.find((l) => l.kind === 'signal')).toMatchObject({ signal: 'SIGTERM', action: 'graceful' });
  });

  it('SIGTERM drains, stops dependents first, ends within a few ms of the last return, and exits 0', async () => {
    const fixture = start({
      server: { shutdown: { drainDelay: 100, stopBudget: 3000 } },
      services: [
        { name: 'db', stopMs: 30 },
        { name: 'api', stopMs: 20, dependsOn: ['db'] },
        { name: 'web', stopMs: 10, dependsOn: ['api'] },
      ],
    });
    await allReady(fixture, ['db', 'api', 'web']);
    fixture.signal('SIGTERM');
    const exit = await fixture.exited;
    expect(exit.code).toBe(0);
    const returned = fixture.lines.filter((l) => l.kind === 'returned').map((l) => l.name);
    expect(returned).toEqual(['web', 'api', 'db']);
    const phases = fixture.lines.filter((l) => l.kind === 'phase').map((l) => l.phase);
    expect(phases).toEqual(['starting', 'running', 'draining', 'drained', 'stopping', 'terminated']);
    const draining = fixture.lines.find((l) => l.kind === 'phase' && l.phase === 'draining')!;
    const stopping = fixture.lines.find((l) => l.kind === 'phase' && l.phase === 'stopping')!;
    expect(stopping.t! - draining.t!).toBeGreaterThanOrEqual(99);
    const lastReturn = fixture.lines.filter((l) => l.kind === 'returned').at(-1)!;
    const terminated = fixture.lines.find((l) => l.kind === 'phase' && l.phase === 'terminated')!;
    expect(terminated.t! - lastReturn.t!).toBeLessThan(5);
  });

  it('a signal that arrives while the server terminates cannot kill the process before the terminated listeners take it over', async () => {
    const fixture = start({
      server: { shutdown: { drainDelay: 0 } },
      services: [{ name: 'a' }],
      ignoreSignalsOnceTerminated: true,
      killSelfAtPhase: { phase: 'terminated', signal: 'SIGTERM' },
    });
    await allReady(fixture, ['a']);
    fixture.signal('SIGTERM');
    expect(await fixture.exited).toMatchObject({ code: 0, signal: null });
    expect(fixture.lines.find((l) => l.kind === 'report')).toMatchObject({ exitCode: 0 });
  });

  it('SIGINT is fast: no drain delay, watches fired, exit 130', async () => {
    const fixture = start({ server: { shutdown: { drainDelay: 10_000 } }, services: [{ name: 'a' }] });
    await allReady(fixture, ['a']);
    const t0 = Date.now();
    fixture.signal('SIGINT');
    const exit = await fixture.exited;
    expect(exit.code).toBe(130);
    expect(Date.now() - t0).toBeLessThan(1500);
    expect(fixture.lines.some((l) => l.kind === 'returned' && l.name === 'a')).toBe(true);
    expect(fixture.lines.some((l) => l.kind === 'phase' && l.phase === 'draining')).toBe(false);
  });

  it('a second SIGTERM during draining makes the shutdown fast', async () => {
    const fixture = start({ server: { shutdown: { drainDelay: 10_000 } }, services: [{ name: 'a' }] });
    await allReady(fixture, ['a']);
    fixture.signal('SIGTERM');
    await fixture.waitFor((l) => l.kind === 'phase' && l.phase === 'draining');
    const t0 = Date.now();
    fixture.signal('SIGTERM');
    const exit = await fixture.exited;
    expect(Date.now() - t0).toBeLessThan(1500);
    expect(exit.code).toBe(0);
    expect(fixture.lines.filter((l) => l.kind === 'signal').map((l) => l.action)).toEqual(['graceful', 'fast']);
  });

  it('a service that overruns its stop timeout makes the exit code 1 and is named', async () => {
    const fixture = start({
      server: { shutdown: { drainDelay: 0, stopBudget: 2000 } },
      services: [{ name: 'stuck', hangOnStop: true, options: { stopTimeout: 100 } }, { name: 'ok' }],
    });
    await allReady(fixture, ['stuck', 'ok']);
    fixture.signal('SIGTERM');
    const exit = await fixture.exited;
    expect(exit.code).toBe(1);
    expect(fixture.lines.find((l) => l.kind === 'report')).toMatchObject({ overran: ['stuck'] });
    expect(fixture.lines.find((l) => l.kind === 'stopped' && l.name === 'stuck')).toMatchObject({ overran: true });
  });

  it('past the hard deadline (remaining drain + stopBudget + 1 s) the process exits 1, naming what it waited on', async () => {
    const fixture = start({ server: { shutdown: { drainDelay: 200, stopBudget: 300 } }, services: [{ name: 'a' }], hangingCloseHook: true });
    await allReady(fixture, ['a']);
    const t0 = Date.now();
    fixture.signal('SIGTERM');
    const exit = await fixture.exited;
    const took = Date.now() - t0;
    expect(exit.code).toBe(1);
    expect(took).toBeGreaterThanOrEqual(1450);
    expect(took).toBeLessThan(2500);
    expect(fixture.lines.find((l) => l.kind === 'deadline')).toMatchObject({ waitingOn: ['close hook "listener"'] });
  });

  it('SIGTERM during startup is handled: services still starting get their shutdown', async () => {
    const fixture = start({ server: { shutdown: { drainDelay: 50 } }, services: [{ name: 'slow', readyAfterMs: 60_000 }] });
    await fixture.waitFor((l) => l.kind === 'state' && l.name === 'slow' && l.state === 'starting');
    fixture.signal('SIGTERM');
    const exit = await fixture.exited;
    expect(exit.code).toBe(0);
    expect(fixture.lines.find((l) => l.kind === 'state' && l.name === 'slow' && l.state === 'stopped')).toBeDefined();
  });
});
