// podwarden YAML configs (DESIGN §5) for the runs that need checks. Written
// once per invocation into a temporary directory; they point at the fixtures.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const header = [
  'server: { exposeDetails: false }',
  'shutdown: { drainDelay: 10s }',
  'drain: { allowUnauthenticated: true }',
  'services:',
];

const httpCheck = (name, url, extra = '') =>
  `  - { name: ${name}, type: http, url: "${url}"${extra} }`;
const tcpCheck = (name, port, extra = '') =>
  `  - { name: ${name}, type: tcp, host: 127.0.0.1, port: ${port}${extra} }`;
const moduleService = (name, file) => `  - { name: ${name}, type: module, module: "${file}" }`;
const pad = (i) => String(i).padStart(3, '0');
const readyModule = fileURLToPath(new URL('../servers/ready-module.mjs', import.meta.url));

/** The service counts of the scale figure. */
export const scaleSizes = [1, 10, 100, 1000];

/** 100 services, each a check: 50 http and 50 tcp, every 2 s. */
export function services100(fixtures) {
  const lines = [...header];
  for (let i = 0; i < 100; i += 1) {
    lines.push(i % 2 === 0
      ? httpCheck(`http-${pad(i)}`, fixtures.ok.url, ', interval: 2s, timeout: 1s')
      : tcpCheck(`tcp-${pad(i)}`, fixtures.ok.port, ', interval: 2s, timeout: 1s'));
  }
  return lines.join('\n') + '\n';
}

/** 20 http checks every 1 s (the idle-CPU figure). */
export function checks20(fixtures) {
  const lines = [...header];
  for (let i = 0; i < 20; i += 1) lines.push(httpCheck(`http-${pad(i)}`, fixtures.ok.url, ', interval: 1s, timeout: 1s'));
  return lines.join('\n') + '\n';
}

/**
 * 20 http checks every 1 s plus `stuck`, whose target the harness can switch
 * to never answering; its 30 s timeout makes it hang for 30 s per attempt.
 */
export function withStuckCheck(fixtures) {
  const lines = [...header];
  for (let i = 0; i < 20; i += 1) lines.push(httpCheck(`http-${pad(i)}`, fixtures.ok.url, ', interval: 1s, timeout: 1s'));
  lines.push(httpCheck('stuck', fixtures.switchable.url, ', interval: 1s, timeout: 30s'));
  return lines.join('\n') + '\n';
}

/**
 * `count` services mixed as in a real pod, in every ten: 4 http and 4 tcp
 * checks every 10 s (long enough that 1,000 services do not flood the
 * fixture), and 2 `module` services (bench/servers/ready-module.mjs: ready at
 * once, one timer each). One service is an http check.
 */
export function scaleServices(fixtures, count) {
  const lines = [...header];
  const timing = ', interval: 10s, timeout: 2s';
  for (let i = 0; i < count; i += 1) {
    const kind = i % 10;
    const name = String(i).padStart(4, '0');
    if (kind < 4) lines.push(httpCheck(`http-${name}`, fixtures.ok.url, timing));
    else if (kind < 8) lines.push(tcpCheck(`tcp-${name}`, fixtures.ok.port, timing));
    else lines.push(moduleService(`module-${name}`, readyModule));
  }
  return lines.join('\n') + '\n';
}

const scaleConfigs = Object.fromEntries(scaleSizes.map((n) => [`scale${n}`, (fixtures) => scaleServices(fixtures, n)]));

export function writeConfigs(fixtures) {
  const dir = mkdtempSync(join(os.tmpdir(), 'podwarden-bench-'));
  const files = {};
  for (const [name, make] of Object.entries({ services100, checks20, withStuckCheck, ...scaleConfigs })) {
    files[name] = join(dir, `${name}.yaml`);
    writeFileSync(files[name], make(fixtures));
  }
  return { dir, files, remove: () => rmSync(dir, { recursive: true, force: true }) };
}
