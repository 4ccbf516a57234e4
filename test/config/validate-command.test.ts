import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runValidate } from '../../src/cli/validate.js';

const dir = mkdtempSync(join(tmpdir(), 'podwarden-validate-'));
function file(name: string, text: string): string {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}

async function validate(args: string[], env: NodeJS.ProcessEnv = {}) {
  let stdout = '';
  let stderr = '';
  const code = await runValidate(args, { stdout: (s) => (stdout += s), stderr: (s) => (stderr += s), env });
  return { code, stdout, stderr };
}

describe('podwarden validate', () => {
  it('prints ok and exits 0 for a good config', async () => {
    const good = file('good.yaml', 'services:\n  - { name: app, type: http, url: "http://127.0.0.1:8080/health" }\n');
    expect(await validate([good])).toEqual({ code: 0, stdout: 'ok\n', stderr: '' });
    expect(await validate(['--config', good])).toMatchObject({ code: 0 });
    expect(await validate([`--config=${good}`])).toMatchObject({ code: 0 });
    expect(await validate([], { PODWARDEN_CONFIG: good })).toMatchObject({ code: 0 });
  });

  it('prints every problem with its path and exits 2, secrets withheld', async () => {
    const bad = file(
      'bad.yaml',
      'server: { port: 99999 }\nservices:\n  - { name: app, type: http, url: "http://x/", interval: 5x, headers: { Authorization: [ "Bearer hunter2" ] } }\n  - { name: app, type: tcp, port: 1, dependsOn: [db] }\n',
    );
    const { code, stdout, stderr } = await validate([bad], { PODWARDEN_DRAIN_TOKEN: 'bad token hunter3' });
    expect(code).toBe(2);
    expect(stdout).toBe('');
    expect(stderr.split('\n')).toEqual([
      `invalid config in ${bad}:`,
      '  - server.port: 99999 is not a port; use an integer from 1 to 65535',
      '  - services[0].interval: "5x" is not a duration; write a decimal number with a unit (ms, s, m or h), such as 250ms, 1.5s, 10m or 1h; or 0',
      '  - services[0].headers.Authorization: header values must be strings (value withheld)',
      '  - services[1].name: "app" is already used by services[0]; names must be unique',
      '  - services[1].dependsOn[0]: "db" is not a service in this config; known services: app',
      '  - drain.token (from PODWARDEN_DRAIN_TOKEN): must be 1–4096 printable ASCII characters without spaces (value withheld)',
      '',
    ]);
    expect(stderr).not.toMatch(/hunter/);
  });

  it('applies environment overrides as serve would', async () => {
    const good = file('env.yaml', 'server: { port: 8080 }\n');
    const { code, stderr } = await validate([good], { PODWARDEN_PORT: 'eighty' });
    expect(code).toBe(2);
    expect(stderr).toContain('server.port (from PODWARDEN_PORT): "eighty" is not a port');
  });

  it('writes to stream-like outputs such as process.stdout', async () => {
    const good = file('stream.yaml', 'services: []\n');
    let out = '';
    const code = await runValidate([good], { stdout: { write: (s: string) => (out += s) }, stderr: { write: () => true }, env: {} });
    expect({ code, out }).toEqual({ code: 0, out: 'ok\n' });
  });

  it('exits 2 for a missing file or bad usage', async () => {
    expect(await validate([join(dir, 'missing.yaml')])).toMatchObject({ code: 2, stderr: `cannot read config file ${join(dir, 'missing.yaml')}: no such file\n` });
    expect(await validate([])).toMatchObject({ code: 2, stderr: expect.stringContaining('give a config file') });
    expect(await validate(['--bogus'])).toMatchObject({ code: 2, stderr: expect.stringContaining('unknown option --bogus') });
    expect(await validate(['a.yaml', 'b.yaml'])).toMatchObject({ code: 2, stderr: expect.stringContaining('give one config file') });
    expect(await validate(['--config'])).toMatchObject({ code: 2, stderr: expect.stringContaining('--config needs a file') });
    expect(await validate(['--help'])).toMatchObject({ code: 0, stdout: expect.stringContaining('usage: podwarden validate') });
  });
});
