import { readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { probeHelp, serveHelp } from '../../src/cli/help.js';
import { flagName, overrideTable } from '../../src/config/env-overrides.js';
import { parseConfig } from '../../src/config/load-config.js';
import { formatDuration } from '../../src/core/duration.js';
import { httpDefaults, probeCommandDefaults } from '../../src/defaults.js';
import { runCli } from '../helpers/podwarden.js';

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
      expect(stdout, spec.flag).toContain(flagName(spec.flag));
      expect(stdout, spec.env).toContain(spec.env);
    }
    expect(stdout).toContain('PODWARDEN_DRAIN_TOKEN');
    for (const line of stdout.split('\n').filter((l) => l.trimStart().startsWith('--'))) {
      expect(line.trim().split(/\s{2,}/).length, line).toBeGreaterThan(1); // a flag with no description
    }
  });

  it('serve --help shows the defaults the config resolves to', async () => {
    const defaults = await parseConfig('', { env: {} });
    const lines = serveHelp().split('\n');
    let shown = 0;
    for (const spec of overrideTable) {
      const value = spec.path.reduce<unknown>((node, key) => (node as Record<string, unknown>)[key], defaults);
      if (typeof value !== 'number' && (typeof value !== 'string' || value === '')) continue; // no default, or a flag
      const text = spec.kind === 'duration' ? formatDuration(value as number) : String(value);
      const line = lines.find((l) => l.trimStart().startsWith(`${flagName(spec.flag)} `)) ?? '';
      expect([`default ${text}`, `default "${text}"`, `${text} (default)`].some((form) => line.includes(form)), `${line} shows ${text}`).toBe(true);
      shown += 1;
    }
    expect(shown).toBeGreaterThanOrEqual(10);
    expect(serveHelp()).toContain('D is a duration: a decimal number with a unit (ms, s, m or h), such as 250ms, 1.5s, 10m or 1h; or 0.');
    expect(probeHelp).toContain(`--timeout D      give up after this long (default ${formatDuration(probeCommandDefaults.timeout)})`);
    expect(probeHelp).toContain(`port ${httpDefaults.port})`);
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
    expect(stderr).toMatch(/^podwarden: unknown command "bogus"\ncode: PODWARDEN_ERR_USAGE\n\nUsage: podwarden /);
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
