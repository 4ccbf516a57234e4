import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { NodeProcess } from './helpers/child.js';

const script = fileURLToPath(new URL('../examples/library/server.mjs', import.meta.url));

describe('examples/library/server.mjs', () => {
  it('starts in dependency order, is ready once the API listens, serves HTTP, drains on SIGTERM, stops the API before the database, exits 0', async () => {
    const example = new NodeProcess([script], { env: { PORT: '0', DRAIN_DELAY: '200ms' } });
    try {
      const listening = await example.waitFor((l) => l.msg === 'api listening');
      const res = await fetch(`http://127.0.0.1:${listening.port as number}/`);
      expect(await res.text()).toBe('hello\n');
      await example.waitFor((l) => l.msg === 'phase' && l.phase === 'running');
      example.signal('SIGTERM');
      const exit = await example.exited;
      expect(exit.code).toBe(0);
      const states = example.lines.filter((l) => l.msg === 'service').map((l) => `${l.name as string}:${l.state as string}`);
      expect(states.indexOf('migrate:completed')).toBeLessThan(states.indexOf('api:starting'));
      expect(states.indexOf('database:ready')).toBeLessThan(states.indexOf('migrate:starting'));
      expect(states.indexOf('api:stopped')).toBeLessThan(states.indexOf('database:stopping'));
      const listeningAt = example.lines.findIndex((l) => l.msg === 'api listening');
      const readyAt = example.lines.findIndex((l) => l.msg === 'service' && l.name === 'api' && l.state === 'ready');
      expect(readyAt, 'the api is ready only once its port listens').toBeGreaterThan(listeningAt);
      const phases = example.lines.filter((l) => l.msg === 'phase').map((l) => l.phase);
      expect(phases).toEqual(['starting', 'running', 'draining', 'drained', 'stopping', 'terminated']);
    } finally {
      example.kill();
    }
  });
});
