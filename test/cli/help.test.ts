import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { overrideTable } from '../../src/config/env-overrides.js';
import { runCli } from './cli-process.js';

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
});
