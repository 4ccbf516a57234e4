import fc from 'fast-check';
import { stringify } from 'yaml';
import { describe, expect, it } from 'vitest';
import { overrideTable } from '../../src/config/env-overrides.js';
import { parseConfig } from '../../src/config/load-config.js';
import { outcome, refusal } from '../helpers/config-refusal.js';

/**
 * Random configs: random text, random YAML documents and random service
 * lists always give a config or a clear, coded refusal listing each problem
 * (test/security/hostile-config.test.ts adds what an attacker would write).
 */

const envKeys = [...overrideTable.map((o) => o.env), 'PODWARDEN_DRAIN_TOKEN'];
const envArb = fc.dictionary(fc.constantFrom(...envKeys), fc.oneof(fc.string(), fc.constantFrom('8080', '5s', 'true', 'none', 'debug', '0', '-1', '1e9')));
const scalar = fc.oneof(fc.string(), fc.integer(), fc.double(), fc.boolean(), fc.constant(null), fc.constantFrom('5s', '250ms', 'http', 'tcp', '127.0.0.1'));
const keys = fc.constantFrom('server', 'services', 'name', 'type', 'port', 'url', 'interval', 'dependsOn', 'headers', 'drain', 'tls', 'command', 'probes', 'x');
const value: fc.Arbitrary<unknown> = fc.letrec((tie) => ({
  node: fc.oneof({ depthSize: 'small' }, scalar, fc.array(tie('node'), { maxLength: 4 }), fc.dictionary(keys, tie('node'), { maxKeys: 5 })),
})).node;
const serviceArb = fc.record(
  {
    name: fc.oneof(fc.constantFrom('a', 'b', 'c', 'podwarden'), fc.string()),
    type: fc.constantFrom('http', 'tcp', 'grpc', 'exec', 'file', 'dns', 'module', 'nope'),
    port: fc.oneof(fc.integer({ min: -5, max: 70_000 }), fc.string()),
    url: fc.oneof(fc.webUrl(), fc.string()),
    host: fc.oneof(fc.domain(), fc.string()),
    interval: fc.oneof(fc.constantFrom('1s', '5x', '0', '100ms'), fc.integer()),
    dependsOn: fc.array(fc.constantFrom('a', 'b', 'c', 'd'), { maxLength: 3 }),
    headers: fc.dictionary(fc.string(), value, { maxKeys: 2 }),
  },
  { requiredKeys: [] },
);

describe('config parsing never crashes', () => {
  it('random text gives a config or a PodwardenError listing problems', async () => {
    await fc.assert(fc.asyncProperty(fc.string({ maxLength: 200 }), envArb, async (text, env) => void (await outcome(parseConfig(text, { env })))), { numRuns: 300 });
  });

  it('random YAML documents give a config or a PodwardenError listing problems', async () => {
    await fc.assert(fc.asyncProperty(value, envArb, async (doc, env) => void (await outcome(parseConfig(stringify(doc), { env })))), { numRuns: 300 });
  });

  it('random service lists give a config or a PodwardenError listing problems', async () => {
    const refused: string[] = [];
    await fc.assert(
      fc.asyncProperty(fc.array(serviceArb, { maxLength: 5 }), envArb, async (services, env) => {
        if ((await outcome(parseConfig(stringify({ services }), { env }))) === 'refused') refused.push('x');
      }),
      { numRuns: 300 },
    );
    expect(refused.length).toBeGreaterThan(0);
  });

  it('a header value that is not a string is refused, and no header value appears in the message, whatever else is wrong', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(serviceArb, { minLength: 1, maxLength: 3 }), fc.stringMatching(/^[A-Za-z0-9]{12,20}$/), async (services, secret) => {
        // The first service's header value is an object, so every one of these configs must be refused.
        const withSecret = services.map((s, i) => ({ ...s, headers: { Authorization: i % 2 ? `Bearer ${secret}` : { v: secret } } }));
        const problems = await refusal(parseConfig(stringify({ services: withSecret }), { env: { PODWARDEN_DRAIN_TOKEN: `${secret} x` } }));
        expect(problems.join('\n')).not.toContain(secret);
      }),
      { numRuns: 200 },
    );
  });
});
