// What the benchmark ran on: printed first and written with the results.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import os from 'node:os';

function tryRun(cmd, args) {
  try {
    return execFileSync(cmd, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], timeout: 5000 }).trim();
  } catch (error) {
    return (error.stdout || error.stderr || '').toString().trim() || undefined;
  }
}

export function describeMachine(options) {
  let cpuModel = os.cpus()[0]?.model;
  try {
    const line = readFileSync('/proc/cpuinfo', 'utf8').split('\n').find((l) => l.startsWith('model name'));
    if (line) cpuModel = line.split(':')[1].trim();
  } catch { /* not Linux */ }
  return {
    cpu: cpuModel,
    cores: os.cpus().length,
    memoryGiB: Math.round((os.totalmem() / 2 ** 30) * 10) / 10,
    node: options.node && options.node !== process.execPath ? `${tryRun(options.node, ['--version'])} (servers${options.runtime === 'image' ? ": the image's" : ''}; harness ${process.version})` : process.version,
    compileCache: options.compileCache !== undefined,
    kernel: `${os.type()} ${os.release()}`,
    wrk: tryRun('wrk', ['--version'])?.split('\n')[0].split(' Copyright')[0],
    loadAverage: os.loadavg().map((x) => Math.round(x * 100) / 100),
    commit: tryRun('git', ['rev-parse', '--short', 'HEAD']),
    date: new Date().toISOString(),
    pinning: options.serverCore === undefined ? 'none (one core)' : `server on CPU ${options.serverCore}, load generator and harness on CPU ${options.loadCore}`,
    mode: options.mode,
    nice: options.nice ?? 0,
  };
}

export function machineLine(m) {
  return `${m.cpu}, ${m.cores} cores, ${m.memoryGiB} GiB, Node ${m.node}${m.compileCache ? ", podwarden from a warm compile cache" : ''}, ${m.kernel}, ${m.wrk ?? 'wrk missing'}; load ${m.loadAverage.join(' ')}; ${m.pinning}${m.nice ? `, nice ${m.nice}` : ''}`;
}
