import { readFileSync, readdirSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { Server } from '../../src/core/server.js';
import { createMetrics } from '../../src/metrics/podwarden-metrics.js';
import { families } from '../helpers/exposition.js';
import { cleanupPodwardens, cliPath, startPodwarden } from '../helpers/podwarden.js';

afterEach(cleanupPodwardens);

describe('the bundled CLI', () => {
  it('exposes the same metric families as the library (the bundle takes only some parts of prom-client)', async () => {
    const serve = await startPodwarden();
    const scraped = await serve.get('/metrics');
    expect(scraped.status).toBe(200);
    const server = new Server({ handleSignals: false });
    const library = await createMetrics({ server }).render(false);
    const cli = families(scraped.body);
    expect(cli).toEqual(families(library.body));
    // prom-client's process and Node.js families are among them.
    expect(cli.get('process_cpu_user_seconds_total')).toBe('counter');
    expect(cli.get('nodejs_heap_size_used_bytes')).toBe('gauge');
  });

  it('holds no fastify: the sidecar answers every request with its own listener (fastify is only the plugin users\' peer)', () => {
    const chunks = new URL('chunks/', new URL(`file://${cliPath}`));
    const files = [cliPath, ...readdirSync(chunks).map((name) => new URL(name, chunks).pathname)];
    const holding = files.filter((file) => /\bfastify\b|find-my-way|avvio/.test(readFileSync(file, 'utf8')));
    expect(holding).toEqual([]);
  });
});
