import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
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
      'code: PODWARDEN_ERR_CONFIG',
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
    expect(await validate([join(dir, 'missing.yaml')])).toMatchObject({ code: 2, stderr: `cannot read config file ${join(dir, 'missing.yaml')}: no such file\ncode: PODWARDEN_ERR_CONFIG_READ\n` });
    expect(await validate([])).toMatchObject({ code: 2, stderr: expect.stringContaining('give a config file') });
    expect(await validate(['--bogus'])).toMatchObject({ code: 2, stderr: expect.stringContaining('unknown option --bogus') });
    expect(await validate(['a.yaml', 'b.yaml'])).toMatchObject({ code: 2, stderr: expect.stringContaining('give one config file') });
    expect(await validate(['--config'])).toMatchObject({ code: 2, stderr: expect.stringContaining('--config needs a file') });
    expect(await validate(['--help'])).toMatchObject({ code: 0, stdout: expect.stringContaining('usage: podwarden validate') });
  });
});

describe('podwarden validate looks for the files serve will need', () => {
  /** A config in a folder of its own, so relative paths resolve against it and not the working directory. */
  function configIn(name: string, text: string): { config: string; folder: string } {
    const folder = join(dir, name);
    mkdirSync(folder, { recursive: true });
    const config = join(folder, 'podwarden.yaml');
    writeFileSync(config, text);
    return { config, folder };
  }
  const note = (keys: string) => `checked on this machine's filesystem: ${keys} — run validate inside the pod image for a definitive answer\n`;

  it('refuses a module that does not exist, resolved against the config file, and names the keys it checked', async () => {
    const { config, folder } = configIn('module', 'services:\n  - { name: app, type: tcp, port: 1 }\n  - { name: worker, type: module, module: ./worker.js }\n');
    expect(await validate([config])).toEqual({
      code: 2,
      stdout: '',
      stderr:
        `invalid config in ${config}:\n` +
        `  - services[1].module: ${join(folder, 'worker.js')} does not exist on this machine: serve would fail service "worker"; fix the path or add the file (relative paths are resolved against the config file's folder)\n` +
        'code: PODWARDEN_ERR_CONFIG\n' +
        note('services[1].module'),
    });
    writeFileSync(join(folder, 'worker.js'), 'export default { name: "w", async start() {} };\n');
    expect(await validate([config])).toEqual({ code: 0, stdout: `ok\n${note('services[1].module')}`, stderr: '' });
  });

  it('refuses a module path that is a directory', async () => {
    const { config } = configIn('module-dir', 'services:\n  - { name: worker, type: module, module: . }\n');
    const { code, stderr } = await validate([config]);
    expect(code).toBe(2);
    expect(stderr).toContain('services[0].module: ');
    expect(stderr).toContain(' is a directory on this machine: serve would fail service "worker"; make it a file readable by the user podwarden runs as');
  });

  it('refuses a tls.ca file that does not exist, and does not look for inline PEM', async () => {
    const { config, folder } = configIn(
      'ca',
      'services:\n  - { name: api, type: http, url: "https://127.0.0.1:1/", tls: { ca: certs/ca.pem } }\n  - { name: rpc, type: grpc, port: 1, tls: { ca: "-----BEGIN CERTIFICATE-----\\nMIIB\\n-----END CERTIFICATE-----" } }\n',
    );
    const { code, stderr } = await validate([config]);
    expect(code).toBe(2);
    expect(stderr).toContain(`  - services[0].tls.ca: ${join(folder, 'certs/ca.pem')} does not exist on this machine: serve would fail check "api"; fix the path or add the file`);
    // The grpc check's packages are looked for too (installed here, as dev dependencies).
    expect(stderr).toContain(note('services[0].tls.ca, services[1].type'));
  });

  it('looks for the packages grpc checks load, once, at the first grpc check (the missing case runs in test/package/consumer-install)', async () => {
    const { config } = configIn('grpc', 'services:\n  - { name: db, type: tcp, port: 1 }\n  - { name: api, type: grpc, port: 1 }\n  - { name: worker, type: module, module: ./w.js }\n  - { name: cart, type: grpc, port: 2 }\n');
    const { code, stderr } = await validate([config]);
    expect(code).toBe(2);
    expect(stderr).not.toContain('grpc checks need');
    expect(stderr).toContain(note('services[1].type, services[2].module'));
  });

  it('warns, without failing, when a file check\'s file does not exist yet: it may appear later', async () => {
    const { config, folder } = configIn('file-check', 'services:\n  - { name: warm, type: file, path: ./warm }\n');
    expect(await validate([config])).toEqual({
      code: 0,
      stdout: `ok\n${note('services[0].path')}`,
      stderr: `warning: services[0].path: ${join(folder, 'warm')} does not exist on this machine: check "warm" stays not ready until it appears; fix the path if nothing else creates the file (relative paths are resolved against the config file's folder)\n`,
    });
    writeFileSync(join(folder, 'warm'), '');
    expect(await validate([config])).toEqual({ code: 0, stdout: `ok\n${note('services[0].path')}`, stderr: '' });
  });

  it('refuses an explicit drain.tokenFile that does not exist, but not the default one nor one the environment token overrides', async () => {
    const { config, folder } = configIn('token', 'drain: { tokenFile: secrets/token }\n');
    const missing = await validate([config]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain(`  - drain.tokenFile: ${join(folder, 'secrets/token')} does not exist on this machine: serve would run without a token and refuse every /drain call (403); fix the path or add the file`);
    expect(missing.stderr).toContain(note('drain.tokenFile'));
    expect(await validate([config], { PODWARDEN_DRAIN_TOKEN: 's3cret' })).toEqual({ code: 0, stdout: 'ok\n', stderr: '' });
    const fromEnv = configIn('token-env', 'services: []\n');
    expect((await validate([fromEnv.config], { PODWARDEN_DRAIN_TOKEN_FILE: './nope' })).stderr).toContain('drain.tokenFile: ');
    expect(await validate([fromEnv.config])).toEqual({ code: 0, stdout: 'ok\n', stderr: '' });
  });

  it('reports a missing file with the config problems\' exit code, next to each other file it names', async () => {
    const { config } = configIn('several', 'services:\n  - { name: a, type: module, module: ./a.js }\n  - { name: b, type: file, path: /nonexistent/b }\n  - { name: c, type: module, module: ./c.js }\n');
    const { code, stderr } = await validate([config]);
    expect(code).toBe(2);
    expect(stderr.match(/^ {2}- services\[\d\]\.module: /gm)).toHaveLength(2);
    expect(stderr).toContain('warning: services[1].path: /nonexistent/b does not exist on this machine');
    expect(stderr).toContain(note('services[0].module, services[1].path, services[2].module'));
  });
});
