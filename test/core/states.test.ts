import { describe, expect, it } from 'vitest';
import { isShuttingDown, serverPhases } from '../../src/core/states.js';
import { recordingServer, until } from '../helpers/core.js';

describe('isShuttingDown', () => {
  it('holds from draining to terminated, not before run() nor while starting or running', () => {
    expect(serverPhases.filter((phase) => isShuttingDown(phase))).toEqual(['draining', 'drained', 'stopping', 'terminated']);
    expect(isShuttingDown(undefined)).toBe(false);
  });

  it('follows the server through a drain that is let go and a shutdown', async () => {
    const { server } = recordingServer({ shutdown: { drainDelay: 20, stopBudget: 1000 }, drain: { maxHold: 40 } });
    const seen: Array<[string, boolean]> = [];
    server.on('phase', ({ phase }) => seen.push([phase, isShuttingDown(server.phase)]));
    server.addService({ name: 'a', start: (s) => s.wait() });
    const run = server.run();
    await until(() => server.phase === 'running');
    await server.drain('http');
    await until(() => server.phase === 'running', 500);
    await server.shutdown();
    await run;
    expect(seen).toEqual([
      ['starting', false],
      ['running', false],
      ['draining', true],
      ['drained', true],
      ['running', false],
      ['draining', true],
      ['drained', true],
      ['stopping', true],
      ['terminated', true],
    ]);
  });
});
