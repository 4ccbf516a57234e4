import { readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { overrideTable } from '../../src/config/env-overrides.js';
import { runCli } from '../helpers/podwarden.js';

const kebab = (key: string) => key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);

describe('podwarden --help', () => {
  it('names every command and exit code', async () => {
    const { code, stdout } = await runCli(['--help']);
    expect(code).toBe(0);
    for (const text of ['serve', 'validate FILE', 'probe livez|readyz|startupz', '--version', '130']) expect(stdout).toContain(text);
  });

  it('serve --help documents every flag and its environment variable', async () => {
    const { code, stdout } = await runCli(['serve', '--help']);
    expect(code).toBe(0);
    expect(stdout).toContain('--config FILE');
    for (const spec of overrideTable) {
      expect(stdout, spec.flag).toContain(`--${kebab(spec.flag)}`);
      expect(stdout, spec.env).toContain(spec.env);
    }
    expect(stdout).toContain('PODWARDEN_DRAIN_TOKEN');
    for (const line of stdout.split('\n').filter((l) => l.trimStart().startsWith('--'))) {
      expect(line.trim().split(/\s{2,}/).length, line).toBeGreaterThan(1); // a flag with no description
    }
  });

  it('probe --help documents its flags; --version prints the package version', async () => {
    const probe = await runCli(['probe', '--help']);
    expect(probe.code).toBe(0);
    for (const flag of ['--url', '--timeout', '--verbose']) expect(probe.stdout).toContain(flag);
    const pkg = JSON.parse(readFileSync('package.json', 'utf8')) as { version: string };
    expect(await runCli(['--version'])).toMatchObject({ code: 0, stdout: `${pkg.version}\n` });
  });

  it('an unknown command exits 2, naming it, followed by the help', async () => {
    const { code, stdout, stderr } = await runCli(['bogus']);
    expect(code).toBe(2);
    expect(stdout).toBe('');
    expect(stderr).toMatch(/^podwarden: unknown command "bogus"\n\nUsage: podwarden /);
    expect(stderr).toContain('validate FILE');
  });
});

describe('podwarden validate', () => {
  it('dispatches to validate: exit 0 for a good config, 2 for a bad one', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'podwarden-validate-'));
    try {
      const good = path.join(dir, 'good.yaml');
      const bad = path.join(dir, 'bad.yaml');
      await writeFile(good, 'server:\n  port: 7654\nservices:\n  - { name: app, type: tcp, host: 127.0.0.1, port: 8080 }\n');
      await writeFile(bad, 'services:\n  - { name: app, type: tcp, host: 127.0.0.1, port: 99999 }\n');
      expect((await runCli(['validate', good])).code).toBe(0);
      const refused = await runCli(['validate', bad]);
      expect(refused.code).toBe(2);
      expect(`${refused.stdout}${refused.stderr}`).toContain('services[0].port');
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
