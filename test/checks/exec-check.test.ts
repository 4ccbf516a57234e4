import { execFileSync } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { sleep, until } from '../helpers/core.js';
import { runCheck } from './harness.js';

const dir = mkdtempSync(join(tmpdir(), 'podwarden-exec-'));

/** Write an executable shell script for the test. */
function script(name: string, body: string): string {
  const file = join(dir, name);
  writeFileSync(file, `#!/bin/sh\n${body}\n`);
  chmodSync(file, 0o755);
  return file;
}

/** Processes in process group `pgid`, from /proc: pid and state (R, S, Z, …). */
function groupMembers(pgid: number): Array<{ pid: number; state: string }> {
  const members: Array<{ pid: number; state: string }> = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    let stat: string;
    try {
      stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
    } catch {
      continue; // exited meanwhile
    }
    // pid (comm) state ppid pgrp …; comm may contain spaces, so split after the last ')'.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    if (Number(fields[2]) === pgid) members.push({ pid: Number(entry), state: fields[0] ?? '?' });
  }
  return members;
}

/**
 * Assert that no process of the group is left: none alive at once, and no
 * zombie for long (orphans are reaped by PID 1, which we do not control).
 */
async function expectGroupGone(pgid: number): Promise<void> {
  await until(() => groupMembers(pgid).every((m) => m.state === 'Z'), 1000, `live processes of group ${pgid} to be gone`);
  await until(() => groupMembers(pgid).length === 0, 15_000, `group ${pgid} to be reaped`);
}

const readPid = (file: string) => Number(readFileSync(file, 'utf8').trim());

describe('exec check', () => {
  it('is ready when the command exits with the expected code', async () => {
    const ok = await runCheck({ type: 'exec', name: 'ok', command: [script('ok.sh', 'exit 0')], interval: '50ms' });
    const three = await runCheck({ type: 'exec', name: 'three', command: [script('three.sh', 'exit 3')], interval: '50ms', expectExitCode: 3 });
    await ok.waitFor('ready');
    await three.waitFor('ready');
  });

  it('reports the exit code and the end of stderr on failure', async () => {
    const run = await runCheck({ type: 'exec', name: 'bad', command: [script('bad.sh', 'echo "connection refused" >&2; exit 2')], interval: '50ms' });
    await until(() => run.results.length >= 1);
    expect(run.results[0]!.error).toBe('exit code 2, expected 0: connection refused');
    expect(run.state()).toBe('starting');
  });

  it('passes arguments without a shell, and env on top of podwarden\'s environment minus the drain token', async () => {
    const out = join(dir, 'env.out');
    const cmd = script('env.sh', `printf '%s|%s|%s|%s' "$1" "$CHECK_MODE" "$PODWARDEN_DRAIN_TOKEN" "$HOME" > ${out}`);
    process.env.PODWARDEN_DRAIN_TOKEN = 'not-for-children';
    try {
      const run = await runCheck({ type: 'exec', name: 'env', command: [cmd, 'a b; $(rm -rf /)'], env: { CHECK_MODE: 'deep' }, interval: '50ms' });
      await run.waitFor('ready');
    } finally {
      delete process.env.PODWARDEN_DRAIN_TOKEN;
    }
    expect(readFileSync(out, 'utf8')).toBe(`a b; $(rm -rf /)|deep||${process.env.HOME ?? ''}`);
  });

  it('says so when the command cannot be run', async () => {
    const run = await runCheck({ type: 'exec', name: 'missing', command: ['/nonexistent/podwarden-check'], interval: '50ms' });
    await until(() => run.results.length >= 1);
    expect(run.results[0]!.error).toBe('cannot run /nonexistent/podwarden-check: ENOENT');
  });

  it('kills a hanging command and its process group at the timeout', async () => {
    const pidFile = join(dir, 'hang.pid');
    const cmd = script('hang.sh', `echo $$ > ${pidFile}\nsleep 60 &\nsleep 60`);
    const run = await runCheck({ type: 'exec', name: 'hang', command: [cmd], interval: '10s', timeout: '300ms' });
    await until(() => run.results.length >= 1, 3000);
    expect(run.results[0]!.error).toBe('timed out after 300ms');
    const pid = readPid(pidFile);
    await expectGroupGone(pid);
  });

  it('leaves no grandchild behind when the command exits and forgets a background child', async () => {
    const pidFile = join(dir, 'fork.pid');
    const childFile = join(dir, 'fork.child');
    const cmd = script('fork.sh', `echo $$ > ${pidFile}\nsleep 300 &\necho $! > ${childFile}\nexit 0`);
    const run = await runCheck({ type: 'exec', name: 'fork', command: [cmd], interval: '10s', timeout: '2s' });
    await run.waitFor('ready');
    const pid = readPid(pidFile);
    const grandchild = readPid(childFile);
    await expectGroupGone(pid);
    expect(() => readFileSync(`/proc/${grandchild}/stat`, 'utf8')).toThrow();
  });

  it('kills the group of an attempt in flight when the service stops', async () => {
    const pidFile = join(dir, 'stop.pid');
    const cmd = script('stop.sh', `echo $$ > ${pidFile}\nsleep 60`);
    const run = await runCheck({ type: 'exec', name: 'stopping', command: [cmd], interval: '10s', timeout: '30s' });
    await until(() => {
      try {
        return readPid(pidFile) > 0;
      } catch {
        return false;
      }
    });
    const pid = readPid(pidFile);
    await sleep(50);
    const report = await run.stop();
    expect(report.services[0]!.state).toBe('stopped');
    await expectGroupGone(pid);
  });

  it('kills the group of an attempt in flight when podwarden exits abruptly', async () => {
    const pidFile = join(dir, 'abrupt.pid');
    const cmd = script('abrupt.sh', `echo $$ > ${pidFile}\nsleep 60`);
    // A fresh process on the built package: start the check, then exit mid-attempt as the hard deadline would.
    const fixture = `
      import { CheckResults } from './dist/checks/check-result.js';
      import { createCheckService } from './dist/checks/create-check-service.js';
      import { parseConfig } from './dist/config/load-config.js';
      import { existsSync } from 'node:fs';
      const config = await parseConfig(JSON.stringify({ services: [{ name: 'x', type: 'exec', command: [process.argv[1]], timeout: '1m' }] }), { env: {} });
      const service = createCheckService(config.services[0], new CheckResults());
      const watch = { isShuttingDown: false, signal: new AbortController().signal, reason: undefined, wait: () => new Promise(() => {}) };
      void service.startWithReadyNotifier(watch, { notifyReady() {}, notifyNotReady() {} });
      while (!existsSync(process.argv[2])) await new Promise((r) => setTimeout(r, 10));
      process.exit(1);
    `;
    const root = fileURLToPath(new URL('../..', import.meta.url));
    expect(() => execFileSync(process.execPath, ['--input-type=module', '-e', fixture, cmd, pidFile], { cwd: root, stdio: 'ignore' })).toThrow();
    await expectGroupGone(readPid(pidFile));
  });
});
