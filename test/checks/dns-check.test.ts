import { describe, expect, it } from 'vitest';
import { until } from '../helpers/core.js';
import { runCheck } from './harness.js';

describe('dns check', () => {
  it('is ready when localhost resolves', async () => {
    const run = await runCheck({ type: 'dns', name: 'localhost', host: 'localhost', interval: '50ms' });
    await run.waitFor('ready');
  });

  it('checks the expected addresses are among the answers', async () => {
    const good = await runCheck({ type: 'dns', name: 'good', host: 'localhost', expectAddresses: ['127.0.0.1'], interval: '50ms' });
    const bad = await runCheck({ type: 'dns', name: 'bad', host: 'localhost', expectAddresses: ['127.0.0.1', '10.99.99.99'], interval: '50ms' });
    await good.waitFor('ready');
    await until(() => bad.results.length >= 1);
    expect(bad.state()).toBe('starting');
    expect(bad.results[0]!.error).toMatch(/^localhost resolves to .*127\.0\.0\.1.*; missing 10\.99\.99\.99$/);
  });

  it('fails for a name under .invalid, which never resolves', async () => {
    const run = await runCheck({ type: 'dns', name: 'nowhere', host: 'podwarden-test.invalid', interval: '100ms', timeout: '3s' });
    await until(() => run.results.length >= 1, 5000);
    expect(run.state()).toBe('starting');
    expect(run.results[0]!.ok).toBe(false);
    expect(run.results[0]!.error).toMatch(/^podwarden-test\.invalid does not resolve: (ENOTFOUND|EAI_AGAIN)$|^timed out/);
  });
});
