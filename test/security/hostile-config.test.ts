import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { runValidate } from '../../src/cli/validate.js';
import { type ConfigOverrides, type OverrideKey, flagName, overrideTable } from '../../src/config/env-overrides.js';
import { loadConfig, parseConfig } from '../../src/config/load-config.js';
import { outcome, refusal, refusalLines } from '../helpers/config-refusal.js';

/**
 * Hostile configs. test/config/random-config.test.ts feeds the loader random
 * text, random YAML documents and random service lists; this file adds what an
 * attacker or a broken generator would write: raw YAML syntax (anchors,
 * aliases, tags, merge keys, directives), documents built to exhaust the
 * parser, command-line flags with any value, and `podwarden validate` with
 * secrets in every secret field. The loader must always answer quickly with a
 * config or a clear, coded error, and never show a secret.
 */

const dir = mkdtempSync(path.join(tmpdir(), 'podwarden-hostile-config-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const yamlTokens = [
  '&a ', '*a', '*b', '&b ', '!!binary ', '!!set ', '!!omap ', '!!js/function ', '!!python/object:os.system ', '!foo ', '!<tag:x> ',
  '<<: ', '<<: *a', '? ', ': ', '- ', '{', '}', '[', ']', ',', '|', '>', '|-', '"', "'", '#', '%YAML 1.1', '%TAG ! tag:x:', '---', '...',
  '\t', '\n', '\n  ', '\n    ', '\r\n', '\u0000', '\ufeff', '\\u0000', '~', 'null', '.nan', '.inf', '-.inf', '0x1F', '0o17', '1e400',
  'services', 'server', 'drain', 'shutdown', 'name', 'type', 'port', 'tcp', 'http', 'exec', 'module', 'dependsOn', 'headers', 'env',
  'interval', '5s', '30d', '99999999999h', '__proto__', 'constructor', 'prototype', 'toString', 'podwarden', 'shutdown',
];
const yamlish = fc.array(fc.oneof(fc.constantFrom(...yamlTokens), fc.string({ maxLength: 6 })), { maxLength: 60 }).map((parts) => parts.join(''));

describe('hostile configs never crash the loader and always get a clear answer', () => {
  it('raw YAML syntax: anchors, aliases, tags, merge keys, directives, control characters', async () => {
    await fc.assert(
      fc.asyncProperty(yamlish, async (text) => {
        await outcome(parseConfig(text, { env: {} }));
        expect(({} as Record<string, unknown>).polluted).toBeUndefined();
      }),
      { numRuns: 400 },
    );
    expect(Object.prototype).not.toHaveProperty('port');
  });

  it('documents built to exhaust the parser are refused within seconds', async () => {
    const cases: Record<string, string> = {
      'deeply nested lists': `${'['.repeat(20_000)}${']'.repeat(20_000)}`,
      'deeply nested mappings': Array.from({ length: 3000 }, (_, i) => `${' '.repeat(i)}a:`).join('\n'),
      'deeply nested flow mappings': `${'{a: '.repeat(20_000)}1${'}'.repeat(20_000)}`,
      'an alias bomb': ['a: &a [x, x, x, x, x, x, x, x, x]', ...'bcdef'.split('').map((k, i) => `${k}: &${k} [${Array(9).fill(`*${'abcdef'[i]}`).join(', ')}]`)].join('\n'),
      '100,000 keys': Array.from({ length: 100_000 }, (_, i) => `k${i}: 1`).join('\n'),
      '20,000 services in a dependency chain': `services:\n${Array.from({ length: 20_000 }, (_, i) => `  - {name: s${i}, type: tcp, port: 1, dependsOn: [s${i + 1}]}`).join('\n')}`,
      'a 1 MB key': `${'k'.repeat(1 << 20)}: 1`,
      'a 1 MB value': `server: {port: "${'h'.repeat(1 << 20)}"}`,
      '1 MB service names, used twice and misspelled in dependsOn': `services:\n  - {name: ${'n'.repeat(1 << 20)}, type: tcp, port: 1}\n  - {name: ${'n'.repeat(1 << 20)}, type: tcp, port: 2}\n  - {name: b, type: tcp, port: 3, dependsOn: [${'m'.repeat(1 << 20)}]}`,
      'many documents': Array.from({ length: 1000 }, () => 'server: {}').join('\n---\n'),
      'a duration that overflows timers': 'drain: {maxHold: 99999999999999h}',
      'prototype keys': '__proto__: {polluted: 1}\nserver: {__proto__: {port: 1}, constructor: {prototype: {polluted: 1}}}',
    };
    for (const [what, text] of Object.entries(cases)) {
      const start = performance.now();
      await refusal(parseConfig(text, { env: {} }), what);
      expect(performance.now() - start, what).toBeLessThan(8000);
    }
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  }, 120_000);

  it('a long dependency chain is accepted when it is well formed', async () => {
    const text = `services:\n${Array.from({ length: 5000 }, (_, i) => `  - {name: s${i}, type: tcp, port: 1${i > 0 ? `, dependsOn: [s${i - 1}]` : ''}}`).join('\n')}`;
    const config = await parseConfig(text, { env: {} });
    expect(config.services).toHaveLength(5000);
  });

  it('command-line flags and environment variables with any value: a config, or a refusal naming where the bad value came from', async () => {
    const file = path.join(dir, 'base.yaml');
    writeFileSync(file, 'services:\n  - { name: app, type: tcp, port: 8080 }\n');
    const anyValue = fc.oneof(
      fc.string({ maxLength: 20 }),
      fc.integer(),
      fc.double(),
      fc.boolean(),
      fc.constant(null),
      fc.constantFrom('0', '65536', '-1', '1e3', ' 8080 ', 'none', 'NULL', 'yes', 'off', '5', '5s', '-5s', '25d', 'debug', 'LOUD', '', '::', 'podwarden_', '9bad'),
    );
    const flags = fc.dictionary(fc.constantFrom(...overrideTable.map((o) => o.flag)), anyValue, { maxKeys: 4 });
    const env = fc.dictionary(fc.constantFrom(...overrideTable.map((o) => o.env)), fc.oneof(fc.string({ maxLength: 12 }), fc.constantFrom('8080', '0', 'true', 'nope', '10s', 'x')), { maxKeys: 3 });
    await fc.assert(
      fc.asyncProperty(flags, env, async (overrides, environment) => {
        try {
          await loadConfig({ file, env: environment, overrides: overrides as ConfigOverrides });
        } catch (err) {
          // Every problem is with an overridden field: each says which flag or variable set it.
          for (const line of refusalLines(err)) expect(line).toMatch(/\(from (--[a-z-]+|PODWARDEN_[A-Z_]+)\)/);
        }
      }),
      { numRuns: 400 },
    );
  });

  it('a bad value in any flag or environment variable is refused, naming it, whatever the other overrides hold', async () => {
    const file = path.join(dir, 'base.yaml');
    writeFileSync(file, 'services:\n  - { name: app, type: tcp, port: 8080 }\n');
    /** Values each override must refuse, as a flag's text or an environment variable's. */
    const bad: Record<OverrideKey, readonly string[]> = {
      port: ['0', '65536', '80.5', 'http'],
      host: [' '],
      metricsPort: ['0', '65536', 'nine'],
      exposeDetails: ['maybe', '2'],
      eventLoopMaxLag: ['5x', '-5s', 'soon'],
      eventLoopLivenessAfter: ['5x', '-5s', 'soon'],
      drainDelay: ['5x', '-5s', 'soon'],
      stopBudget: ['5x', '-5s', 'soon'],
      stopTimeout: ['5x', '-5s', 'soon'],
      drainTokenFile: [' '],
      drainMaxHold: ['5x', '-5s', 'soon'],
      drainAllowUnauthenticated: ['maybe', '2'],
      drainAllowFrom: ['not-an-address', '10.0.0.0/99'],
      drainAppCheck: ['bad name', '-app'],
      drainStateFile: [' '],
      metricsPrefix: ['9bad', 'a-b'],
      logLevel: ['LOUD', 'verbose'],
    };
    const badOverride = fc
      .constantFrom(...overrideTable)
      .chain((spec) => fc.record({ spec: fc.constant(spec), value: fc.constantFrom(...bad[spec.flag]), fromEnv: fc.boolean() }));
    const goodFlags = fc.dictionary(fc.constantFrom(...overrideTable.map((o) => o.flag)), fc.constantFrom('8080', '5s', 'true', 'info'), { maxKeys: 3 });
    const env = fc.dictionary(fc.constantFrom(...overrideTable.map((o) => o.env)), fc.oneof(fc.string({ maxLength: 12 }), fc.constantFrom('8080', 'true', '10s')), { maxKeys: 3 });
    await fc.assert(
      fc.asyncProperty(badOverride, goodFlags, env, async ({ spec, value, fromEnv }, flags, environment) => {
        // A flag for the same field would replace a bad environment value, so there is none.
        const overrides: Record<string, string> = { ...flags };
        delete overrides[spec.flag];
        if (!fromEnv) overrides[spec.flag] = value;
        const lines = await refusal(loadConfig({ file, env: fromEnv ? { ...environment, [spec.env]: value } : environment, overrides: overrides as ConfigOverrides }));
        expect(lines.join('\n')).toContain(`(from ${fromEnv ? spec.env : flagName(spec.flag)})`);
      }),
      { numRuns: 300 },
    );
  });

  it('podwarden validate exits 0 or 2, never crashes, and never prints a secret, whatever the file holds', async () => {
    const secretArb = fc.stringMatching(/^[A-Za-z0-9]{12,24}$/);
    const serviceArb = (secret: string) =>
      fc.oneof(
        fc.record({ name: fc.constantFrom('a', 'b', 'bad name'), type: fc.constant('http'), url: fc.constantFrom('http://127.0.0.1/', `http://u:${secret}@x/`, 'ftp://x'), headers: fc.constantFrom({ Authorization: `Bearer ${secret}` }, { 'Bad Header': secret }, { X: [secret] }, { X: { v: secret } }, { X: `${secret}\n` }), interval: fc.constantFrom('1s', '5x', 5) }),
        fc.record({ name: fc.constantFrom('c', 'd'), type: fc.constant('exec'), command: fc.constantFrom(['true'], [], 'true'), env: fc.constantFrom({ PASSWORD: secret }, { '9BAD': secret }, { P: [secret] }, { P: 12345 }, secret) }),
        fc.record({ name: fc.constant('e'), type: fc.constantFrom('tcp', 'module', 'nope'), port: fc.constantFrom(1, 99999, 'x') }),
      );
    await fc.assert(
      fc.asyncProperty(
        secretArb.chain((secret) => fc.tuple(fc.constant(secret), fc.array(serviceArb(secret), { maxLength: 4 }), fc.constantFrom(undefined, secret, `${secret} spaced`, `${secret}\u00e9`))),
        async ([secret, services, token]) => {
          const file = path.join(dir, 'validate.json');
          writeFileSync(file, JSON.stringify({ services }));
          let out = '';
          const code = await runValidate([file], { stdout: (s) => (out += s), stderr: (s) => (out += s), env: token === undefined ? {} : { PODWARDEN_DRAIN_TOKEN: token } });
          expect([0, 2]).toContain(code);
          if (code === 0) expect(out).toBe('ok\n');
          // Only values of secret fields are withheld (a value written in the wrong field, such as a port, is shown shortened).
          expect(out).not.toContain(secret);
        },
      ),
      { numRuns: 300 },
    );
  });
});
