import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { embeddedDefaultConfig, loadConfig, parseConfig } from '../../src/config/load-config.js';
import { parseYaml } from '../../src/config/parse-yaml.js';
import { redactConfig } from '../../src/config/redact.js';
import { isPodwardenError } from '../../src/errors.js';

/** The duration grammar, as every refusal states it. */
const durationGrammar = 'a decimal number with a unit (ms, s, m or h), such as 250ms, 1.5s, 10m or 1h; or 0';

const dir = mkdtempSync(join(tmpdir(), 'podwarden-config-'));
function file(name: string, text: string): string {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}

/** The problem lines of a refused config (without the `invalid config:` header). */
async function problems(text: string, options: Parameters<typeof parseConfig>[1] = {}): Promise<string[]> {
  try {
    await parseConfig(text, { env: {}, ...options });
  } catch (err) {
    expect(isPodwardenError(err, 'PODWARDEN_ERR_CONFIG')).toBe(true);
    return (err as Error).message.split('\n').slice(1).map((line) => line.replace(/^ {2}- /, ''));
  }
  throw new Error('the config was accepted');
}

describe('loadConfig: defaults and shape', () => {
  it('serves the embedded default when no file is given', async () => {
    const config = await loadConfig({ env: {} });
    expect(config.server).toEqual({ port: 7654, host: '::', metricsPort: null, exposeDetails: false, eventLoop: { maxLag: 1000, livenessAfter: 10_000 } });
    expect(config.shutdown).toEqual({ drainDelay: 10_000, stopBudget: 15_000, stopTimeout: 5_000 });
    expect(config.drain).toEqual({ tokenFile: '/var/run/podwarden/token', maxHold: 120_000, allowUnauthenticated: false, allowFrom: [] });
    expect(config.metrics.prefix).toBe('podwarden_');
    expect(config.log.level).toBe('info');
    expect(config.services).toEqual([]);
    expect(embeddedDefaultConfig).toContain('port: 7654');
  });

  it('the embedded default served without parsing YAML is what its YAML text says', async () => {
    const served = await loadConfig({ env: {} });
    const parsedFromText = await parseConfig(`${embeddedDefaultConfig}\n# parsed as YAML\n`, { env: {} });
    expect(served).toEqual(parsedFromText);
    expect(parseYaml(embeddedDefaultConfig)).toEqual({ value: { server: { port: 7654, host: '::' }, services: [] } });
  });

  it('reads the agreed example shape, with durations in milliseconds and service defaults applied', async () => {
    const path = file(
      'shape.yaml',
      `server:   { port: 7654, host: "::", metricsPort: null, exposeDetails: false, eventLoop: { maxLag: 1s, livenessAfter: 10s } }
shutdown: { drainDelay: 10s, stopBudget: 15s, stopTimeout: 5s }
drain:    { tokenFile: /var/run/podwarden/token, maxHold: 120s, allowUnauthenticated: false }
metrics:  { prefix: podwarden_ }
log:      { level: info }
services:
  - { name: app, type: http, url: "http://127.0.0.1:8080/health", interval: 2s, timeout: 1s, failureThreshold: 3 }
  - { name: postgres, type: tcp, host: 127.0.0.1, port: 5432 }
  - { name: worker, type: module, module: ./worker.js, dependsOn: [postgres] }
`,
    );
    const config = await loadConfig({ file: path, env: {} });
    expect(config.services[0]).toMatchObject({
      name: 'app', type: 'http', interval: 2000, timeout: 1000, initialDelay: 0, successThreshold: 1, failureThreshold: 3,
      method: 'GET', expectStatus: [[200, 399]], probes: ['readiness', 'startup'], dependsOn: [], restart: 'never',
    });
    expect(config.services[1]).toMatchObject({ name: 'postgres', type: 'tcp', host: '127.0.0.1', port: 5432, interval: 5000, timeout: 1000 });
    expect(config.services[2]).toMatchObject({ name: 'worker', type: 'module', module: join(dir, 'worker.js'), dependsOn: ['postgres'], options: {} });
  });

  it('accepts JSON too, since YAML is a superset', async () => {
    const config = await parseConfig('{"server": {"port": 9999}}', { env: {} });
    expect(config.server.port).toBe(9999);
  });
});

describe('loadConfig: refused configs name the field and what is allowed', () => {
  it('an unknown key, with a suggestion and the allowed keys', async () => {
    expect(await problems('services:\n  - { name: app, type: tcp, port: 1, intervall: 2s }')).toEqual([
      expect.stringMatching(/^services\[0\]\.intervall: unknown key \(did you mean "interval"\?\); allowed here: type, name, .*interval/),
    ]);
    expect(await problems('sever: { port: 1 }')).toEqual([expect.stringMatching(/^sever: unknown key \(did you mean "server"\?\); allowed here: server, shutdown, drain, metrics, log, services$/)]);
  });

  it('a wrong type', async () => {
    expect(await problems('server: { port: "eighty" }')).toEqual(['server.port: "eighty" is not a port; use an integer from 1 to 65535']);
    expect(await problems('server: { exposeDetails: "yes" }')).toEqual(['server.exposeDetails: "yes" is not true or false']);
    expect(await problems('services: { app: 1 }')).toEqual(['services: a mapping is not a list of services']);
    expect(await problems('server: 5')).toEqual(['server: 5 is not a mapping']);
  });

  it('a bad duration', async () => {
    expect(await problems('services:\n  - { name: a, type: tcp, port: 1 }\n  - { name: b, type: tcp, port: 2, interval: 5x }')).toEqual([
      `services[1].interval: "5x" is not a duration; write ${durationGrammar}`,
    ]);
    expect(await problems('shutdown: { drainDelay: 10 }')).toEqual([`shutdown.drainDelay: 10 has no unit; write ${durationGrammar}`]);
    expect(await problems('services:\n  - { name: a, type: tcp, port: 1, interval: 0s }')).toEqual(['services[0].interval: "0s" is too short; the minimum is 1ms']);
  });

  it.each(['1sec', '5 s', '1 hour', '2w', '1d', '5S', '-1s', '.5s', '1e3ms', '10'])(
    'the duration %j is refused alike in the file, from the environment and from a flag, with the grammar',
    async (text) => {
      const refusal = `${JSON.stringify(text)} is not a duration; write ${durationGrammar}`;
      expect(await problems(`shutdown: { drainDelay: ${JSON.stringify(text)} }`)).toEqual([`shutdown.drainDelay: ${refusal}`]);
      expect(await problems('', { env: { PODWARDEN_DRAIN_DELAY: text } })).toEqual([`shutdown.drainDelay (from PODWARDEN_DRAIN_DELAY): ${refusal}`]);
      expect(await problems('', { overrides: { drainMaxHold: text } })).toEqual([`drain.maxHold (from --drain-max-hold): ${refusal}`]);
    },
  );

  it('durations in the grammar are read alike in the file, from the environment and from a flag; "0" too', async () => {
    const file = await parseConfig('shutdown: { drainDelay: 1.5s, stopBudget: 0, stopTimeout: "0" }\nservices:\n  - { name: a, type: tcp, port: 1, interval: 0.5m, timeout: 250ms, initialDelay: 1h }', { env: {} });
    expect(file.shutdown).toEqual({ drainDelay: 1500, stopBudget: 0, stopTimeout: 0 });
    expect(file.services[0]).toMatchObject({ interval: 30_000, timeout: 250, initialDelay: 3_600_000 });
    const layered = await parseConfig('', { env: { PODWARDEN_DRAIN_DELAY: '0', PODWARDEN_STOP_BUDGET: '2.5s' }, overrides: { stopTimeout: '0', drainMaxHold: '1h' } });
    expect(layered.shutdown).toEqual({ drainDelay: 0, stopBudget: 2500, stopTimeout: 0 });
    expect(layered.drain.maxHold).toBe(3_600_000);
  });

  it('a missing required key and an unknown check type', async () => {
    expect(await problems('services:\n  - { name: a, type: tcp }\n  - { name: b, type: htp }\n  - { name: c }\n  - { type: file, path: x }')).toEqual([
      'services[0].port: is required; use an integer from 1 to 65535',
      'services[1].type: "htp" is not a check type; use one of http, tcp, grpc, exec, file, dns, module',
      'services[2].type: is required; use one of http, tcp, grpc, exec, file, dns, module',
      'services[3].name: is required; use a string',
    ]);
  });

  it('a duplicate name', async () => {
    expect(await problems('services:\n  - { name: db, type: tcp, port: 1 }\n  - { name: db, type: tcp, port: 2 }')).toEqual([
      'services[1].name: "db" is already used by services[0]; names must be unique',
    ]);
  });

  it.each(['podwarden', 'shutdown'])('the reserved name %s', async (name) => {
    expect(await problems(`services:\n  - { name: ${name}, type: tcp, port: 1 }`)).toEqual([
      `services[0].name: "${name}" is reserved for podwarden's own checks; choose another name`,
    ]);
  });

  it('an unknown dependsOn', async () => {
    expect(await problems('services:\n  - { name: postgres, type: tcp, port: 1 }\n  - { name: app, type: tcp, port: 2, dependsOn: [postgress] }')).toEqual([
      'services[1].dependsOn[0]: "postgress" is not a service in this config (did you mean "postgres"?); known services: postgres, app',
    ]);
  });

  it('an unknown dependsOn close to no service suggests none', async () => {
    expect(await problems('services:\n  - { name: app, type: tcp, port: 1 }\n  - { name: b, type: tcp, port: 2, dependsOn: [zz] }')).toEqual([
      'services[1].dependsOn[0]: "zz" is not a service in this config; known services: app, b',
    ]);
    expect(await problems('services:\n  - { name: app, type: tcp, port: 1, dependsOn: [ap] }\n  - { name: b, type: tcp, port: 2 }')).toEqual([
      'services[0].dependsOn[0]: "ap" is not a service in this config (did you mean "app"?); known services: app, b',
    ]);
  });

  it('a dependency cycle, with its path', async () => {
    const yaml = 'services:\n  - { name: a, type: tcp, port: 1, dependsOn: [c] }\n  - { name: b, type: tcp, port: 2, dependsOn: [a] }\n  - { name: c, type: tcp, port: 3, dependsOn: [b] }';
    expect(await problems(yaml)).toEqual([
      'services[0].dependsOn: dependency cycle: a → c → b → a; break the cycle by removing one of these dependencies',
    ]);
    expect(await problems('services:\n  - { name: self, type: tcp, port: 1, dependsOn: [self] }')).toEqual([
      expect.stringContaining('dependency cycle: self → self'),
    ]);
  });

  it('malformed YAML, with line and column', async () => {
    expect(await problems('server:\n  port: 1\n  port: 2\n')).toEqual(['line 3, column 3: malformed YAML: duplicated mapping key']);
    expect(await problems('services:\n  - name: a\n   type: tcp\n')).toEqual([expect.stringMatching(/^line 3, column \d+: malformed YAML: /)]);
    expect(await problems('services: [a, b\n')).toEqual([expect.stringMatching(/^line \d+, column \d+: malformed YAML: /)]);
    expect(await problems('- just\n- a list\n')).toEqual([expect.stringMatching(/^\(top level\): the config must be a mapping/)]);
  });

  it('malformed YAML: a line indented deeper than the one above is reported on its own line', async () => {
    expect(await problems('log:\n  level: info\n  format: json\n   extra: 1\n')).toEqual(['line 4, column 9: malformed YAML: bad indentation of a mapping entry']);
    expect(await problems('services:\n  - name: a\n    type: tcp\n     port: 1\n')).toEqual([expect.stringMatching(/^line 4, column \d+: malformed YAML: /)]);
  });

  it('YAML documents: empty is the defaults, one is the config, more are refused; aliases work, up to 100 and a bounded expansion', async () => {
    expect(parseYaml('')).toEqual({ value: {} });
    expect(parseYaml('# only a comment\n')).toEqual({ value: {} });
    expect(await problems('server: {}\n---\nserver: {}\n')).toEqual(['(top level): malformed YAML: the config is one document; this text holds 2 (separated by ---)']);
    const shared = await parseConfig('services:\n  - { name: db, type: tcp, port: 1 }\n  - { name: a, type: tcp, port: 2, dependsOn: &deps [db] }\n  - { name: b, type: tcp, port: 3, dependsOn: *deps }\n', { env: {} });
    expect(shared.services.map((s) => s.dependsOn)).toEqual([[], ['db'], ['db']]);
    expect(await problems(`a: &a [1]\nb: [${Array(101).fill('*a').join(', ')}]\n`)).toEqual([expect.stringMatching(/^line 2, column 40\d: malformed YAML: aliases exceeded maxAliases \(100\)$/)]);
    // 9^7 values from 63 aliases, where a module's options are passed on as they are.
    const bomb = ['x0: &x0 [x, x, x, x, x, x, x, x, x]', ...Array.from({ length: 7 }, (_, i) => `x${i + 1}: &x${i + 1} [${Array(9).fill(`*x${i}`).join(', ')}]`)];
    const start = performance.now();
    expect(await problems(`services:\n  - name: m\n    type: module\n    module: ./m.mjs\n    options:\n${bomb.map((line) => `      ${line}`).join('\n')}\n`)).toEqual([
      '(top level): malformed YAML: its aliases expand to more than 1,000,000 values',
    ]);
    expect(performance.now() - start).toBeLessThan(5000);
  });

  it('a file that declares %YAML 1.1 is read with YAML 1.1 types; without it, YAML 1.2', async () => {
    const config = await parseConfig('%YAML 1.1\n---\nserver: { exposeDetails: yes }\nservices: [{ name: a, type: tcp, port: 010 }]\n', { env: {} });
    expect(config.server.exposeDetails).toBe(true);
    expect(config.services[0]).toMatchObject({ port: 8 });
    expect(await problems('server: { exposeDetails: yes }\n')).toEqual(['server.exposeDetails: "yes" is not true or false']);
  });

  it('every problem at once, not just the first', async () => {
    const lines = await problems(
      'server: { port: 0 }\nlog: { level: loud }\nservices:\n  - { name: a, type: http, url: "ftp://x", expectStatus: "2xx" }\n  - { name: a, type: dns, host: "bad host" }\n',
    );
    expect(lines).toEqual([
      'server.port: 0 is not a port; use an integer from 1 to 65535',
      'log.level: "loud" is not a log level; use one of fatal, error, warn, info, debug, trace, silent',
      'services[0].url: scheme "ftp" is not supported; use http or https',
      'services[0].expectStatus: "2xx" is not a status range; use e.g. 200, "200-399" or "200,204"',
      'services[1].host: "bad host" is not a host name or IP address',
      'services[1].name: "a" is already used by services[0]; names must be unique',
    ]);
  });

  it('type-specific rules', async () => {
    expect(await problems('services:\n  - { name: g, type: grpc }')).toEqual(['services[0]: set either port (with host) or target, not both and not neither']);
    expect(await problems('services:\n  - { name: h, type: http, url: "http://x/", method: HEAD, bodyMatch: ok }')).toEqual([
      'services[0].bodyMatch: bodyMatch cannot be used with method HEAD (no body)',
    ]);
    expect(await problems('services:\n  - { name: h, type: http, url: "http://x/", bodyMatch: "/[/" }')).toEqual([
      expect.stringMatching(/^services\[0\]\.bodyMatch: "\/\[\/" is not a valid regular expression/),
    ]);
    expect(await problems('services:\n  - { name: e, type: exec, command: [] }')).toEqual([
      'services[0].command: is empty; use an argv list such as [pg_isready, -h, 127.0.0.1]',
    ]);
    expect(await problems('services:\n  - { name: e, type: exec, command: "pg_isready -h db" }')).toEqual([
      'services[0].command: "pg_isready -h db" is not an argv list; use e.g. [pg_isready, -h, 127.0.0.1]',
    ]);
    expect(await problems('services:\n  - { name: d, type: dns, host: localhost, expectAddresses: [300.1.1.1] }')).toEqual([
      'services[0].expectAddresses[0]: "300.1.1.1" is not an IP address, e.g. 127.0.0.1 or ::1',
    ]);
    expect(await problems('services:\n  - { name: m, type: module, module: ./m.js, interval: 1s }')).toEqual([
      expect.stringMatching(/^services\[0\]\.interval: unknown key; .*; a module service reports its own readiness, so check timing keys do not apply$/),
    ]);
    expect(await problems('services:\n  - { name: "-bad", type: tcp, port: 1 }')).toEqual([
      expect.stringMatching(/^services\[0\]\.name: "-bad" is not a valid name; use 1–63 letters/),
    ]);
  });

  it('a missing file is a read error, not a config error', async () => {
    await expect(loadConfig({ file: join(dir, 'nope.yaml'), env: {} })).rejects.toMatchObject({
      code: 'PODWARDEN_ERR_CONFIG_READ',
      message: `cannot read config file ${join(dir, 'nope.yaml')}: no such file`,
    });
  });

  it('names the file in the message', async () => {
    const path = file('bad.yaml', 'server: { port: 0 }');
    await expect(loadConfig({ file: path, env: {} })).rejects.toThrow(`invalid config in ${path}:\n  - server.port: 0 is not a port`);
  });
});

describe('loadConfig: environment and flag overrides', () => {
  it('applies every PODWARDEN_* override to its field', async () => {
    const config = await loadConfig({
      env: {
        PODWARDEN_PORT: '8081', PODWARDEN_HOST: '127.0.0.1', PODWARDEN_METRICS_PORT: '9100', PODWARDEN_EXPOSE_DETAILS: 'true',
        PODWARDEN_EVENT_LOOP_MAX_LAG: '500ms', PODWARDEN_EVENT_LOOP_LIVENESS_AFTER: '30s',
        PODWARDEN_DRAIN_DELAY: '3s', PODWARDEN_STOP_BUDGET: '20s', PODWARDEN_STOP_TIMEOUT: '2s',
        PODWARDEN_DRAIN_TOKEN_FILE: '/run/secrets/t', PODWARDEN_DRAIN_MAX_HOLD: '1m', PODWARDEN_DRAIN_ALLOW_UNAUTHENTICATED: 'yes',
        PODWARDEN_METRICS_PREFIX: 'pw_', PODWARDEN_LOG_LEVEL: 'debug',
      },
    });
    expect(config.server).toEqual({ port: 8081, host: '127.0.0.1', metricsPort: 9100, exposeDetails: true, eventLoop: { maxLag: 500, livenessAfter: 30_000 } });
    expect(config.shutdown).toEqual({ drainDelay: 3000, stopBudget: 20_000, stopTimeout: 2000 });
    expect(config.drain).toEqual({ tokenFile: '/run/secrets/t', maxHold: 60_000, allowUnauthenticated: true, allowFrom: [] });
    expect(config.metrics.prefix).toBe('pw_');
    expect(config.log.level).toBe('debug');
  });

  it('file < environment < flags; empty variables count as unset', async () => {
    const path = file('layers.yaml', 'server: { port: 1111, host: "0.0.0.0" }\nlog: { level: warn }\nshutdown: { drainDelay: 7s }');
    const config = await loadConfig({
      file: path,
      env: { PODWARDEN_PORT: '2222', PODWARDEN_LOG_LEVEL: 'error', PODWARDEN_HOST: '' },
      overrides: { port: '3333', drainDelay: '1s' },
    });
    expect(config.server.port).toBe(3333);
    expect(config.server.host).toBe('0.0.0.0');
    expect(config.log.level).toBe('error');
    expect(config.shutdown.drainDelay).toBe(1000);
  });

  it('takes the file from PODWARDEN_CONFIG unless one is given', async () => {
    const a = file('a.yaml', 'server: { port: 4001 }');
    const b = file('b.yaml', 'server: { port: 4002 }');
    expect((await loadConfig({ env: { PODWARDEN_CONFIG: a } })).server.port).toBe(4001);
    expect((await loadConfig({ file: b, env: { PODWARDEN_CONFIG: a } })).server.port).toBe(4002);
  });

  it('PODWARDEN_METRICS_PORT=none clears a metrics port from the file', async () => {
    const config = await parseConfig('server: { metricsPort: 9100 }', { env: { PODWARDEN_METRICS_PORT: 'none' } });
    expect(config.server.metricsPort).toBeNull();
  });

  it('says where a bad overridden value came from', async () => {
    expect(await problems('', { env: { PODWARDEN_PORT: 'http' }, overrides: { stopBudget: '15' } })).toEqual([
      'server.port (from PODWARDEN_PORT): "http" is not a port; use an integer from 1 to 65535',
      `shutdown.stopBudget (from --stop-budget): "15" is not a duration; write ${durationGrammar}`,
    ]);
    expect(await problems('', { env: { PODWARDEN_EXPOSE_DETAILS: 'maybe' } })).toEqual([
      'server.exposeDetails (from PODWARDEN_EXPOSE_DETAILS): "maybe" is not true or false',
    ]);
  });
});

describe('loadConfig: secrets', () => {
  it('never shows header or exec env values in messages', async () => {
    const secret = 'Bearer hunter2-0xDEADBEEF';
    const lines = await problems(
      `services:
  - { name: a, type: http, url: "http://x/", headers: { Authorization: { nested: "${secret}" }, "Bad Header": "${secret}" }, interval: 5x }
  - { name: b, type: http, url: "http://x/", headers: "${secret}" }
  - { name: c, type: exec, command: [x], env: { PASSWORD: 12345678 } }
  - { name: d, type: http, url: "https://admin:${secret.replace(' ', '')}@x/" }
`,
    );
    expect(lines.length).toBeGreaterThanOrEqual(5);
    const text = lines.join('\n');
    expect(text).not.toContain('hunter2');
    expect(text).not.toContain('12345678');
    expect(text).toContain('services[0].headers.Authorization: header values must be strings (value withheld)');
    expect(text).toContain('services[1].headers: is not a mapping of header names to values');
    expect(text).toContain('services[3].url: must not contain credentials (value withheld)');
  });

  it('never shows the drain token, reads it from the environment or the token file, and hides it from serialisation', async () => {
    expect((await problems('', { env: { PODWARDEN_DRAIN_TOKEN: 'has space hunter2' } })).join('\n')).not.toContain('hunter2');

    const fromEnv = await parseConfig('', { env: { PODWARDEN_DRAIN_TOKEN: 's3cr3t-token' } });
    expect(fromEnv.drain.token).toBe('s3cr3t-token');
    expect(JSON.stringify(fromEnv)).not.toContain('s3cr3t');
    expect(Object.keys(fromEnv.drain)).not.toContain('token');

    const tokenFile = file('token', 's3cr3t-from-file\n');
    const fromFile = await parseConfig(`drain: { tokenFile: ${tokenFile} }`, { env: {} });
    expect(fromFile.drain.token).toBe('s3cr3t-from-file');
    const both = await parseConfig(`drain: { tokenFile: ${tokenFile} }`, { env: { PODWARDEN_DRAIN_TOKEN: 'env-wins' } });
    expect(both.drain.token).toBe('env-wins');
    const missing = await parseConfig(`drain: { tokenFile: ${join(dir, 'absent')} }`, { env: {} });
    expect(missing.drain.token).toBeUndefined();

    const badFile = file('bad-token', 'two words hunter2');
    const lines = await problems(`drain: { tokenFile: ${badFile} }`);
    expect(lines).toEqual([expect.stringMatching(/^drain\.tokenFile: the token in .* must be 1–4096 printable ASCII characters without spaces \(value withheld\)$/)]);
  });

  it('never quotes source text from malformed YAML', async () => {
    for (const yaml of ['a: *hunter2', 'services:\n  - headers: { Authorization: Bearer hunter2 }}\n', 'h:\n  Authorization: "Bearer hunter2\n']) {
      const lines = await problems(yaml);
      expect(lines[0]).toMatch(/malformed YAML: /);
      expect(lines.join('\n')).not.toContain('hunter2');
    }
  });

  it('refuses a token written in the file, pointing to the right places', async () => {
    const lines = await problems('drain: { token: hunter2 }');
    expect(lines).toEqual(['drain.token: a token does not belong in the config file; put it in the file named by drain.tokenFile or in PODWARDEN_DRAIN_TOKEN']);
  });

  it('redactConfig gives a copy safe to log', async () => {
    const config = await parseConfig(
      'services:\n  - { name: a, type: http, url: "http://x/", headers: { Authorization: "Bearer hunter2" } }\n  - { name: b, type: exec, command: [x], env: { PGPASSWORD: hunter3 } }',
      { env: { PODWARDEN_DRAIN_TOKEN: 'hunter4' } },
    );
    const text = JSON.stringify(redactConfig(config));
    expect(text).not.toMatch(/hunter/);
    expect(text).toContain('"Authorization":"[redacted]"');
    expect(text).toContain('"PGPASSWORD":"[redacted]"');
    expect(text).toContain('"token":"[redacted]"');
  });
});

describe('loadConfig: paths', () => {
  it('resolves module, file, CA and token file paths against the config file', async () => {
    const path = file(
      'paths.yaml',
      `drain: { tokenFile: secrets/token }
services:
  - { name: m, type: module, module: lib/worker.js }
  - { name: f, type: file, path: ../marker }
  - { name: h, type: http, url: "https://x/", tls: { ca: certs/ca.pem } }
  - { name: g, type: grpc, port: 1, tls: { ca: /abs/ca.pem } }
  - { name: p, type: http, url: "https://x/", tls: { ca: "-----BEGIN CERTIFICATE-----\\nMIIB\\n-----END CERTIFICATE-----\\n" } }
`,
    );
    const config = await loadConfig({ file: path, env: {} });
    expect(config.drain.tokenFile).toBe(join(dir, 'secrets/token'));
    expect(config.services[0]).toMatchObject({ module: join(dir, 'lib/worker.js') });
    expect(config.services[1]).toMatchObject({ path: join(dir, '../marker') });
    expect(config.services[2]).toMatchObject({ tls: { ca: join(dir, 'certs/ca.pem'), insecureSkipVerify: false } });
    expect(config.services[3]).toMatchObject({ tls: { ca: '/abs/ca.pem' } });
    expect(config.services[4]).toMatchObject({ tls: { ca: expect.stringContaining('-----BEGIN CERTIFICATE-----') } });
  });
});
