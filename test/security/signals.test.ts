import { afterAll, describe, expect, it } from 'vitest';
import { sleep } from '../helpers/core.js';
import { cleanupPodwardens, startPodwarden } from '../helpers/podwarden.js';

afterAll(cleanupPodwardens);

describe('signals an attacker in the pod could send', () => {
  it('SIGUSR1 does not open the Node.js inspector (code execution from localhost); it is logged and ignored', async () => {
    const pw = await startPodwarden({ args: ['--drain-delay', '100ms'] });
    pw.signal('SIGUSR1');
    const line = await pw.waitFor((l) => l.event === 'signal' && l.signal === 'SIGUSR1');
    expect(line).toMatchObject({ level: 'warn', action: 'ignored' });
    await sleep(200);
    expect(pw.process.stderr).not.toContain('Debugger listening');
    expect((await pw.get('/readyz')).status).toBe(200);
    pw.signal('SIGTERM');
    expect((await pw.exited()).code).toBe(0);
  });
});
