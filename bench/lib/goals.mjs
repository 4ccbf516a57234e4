// The targets, checked against one invocation's results.
// Most goals use the median over repeated runs; failure counts use the sum.

const goals = [
  { text: 'startup ≤ 1.5× node:http', figure: 'startup', key: 'readyMs', targets: ['podwarden'], ratioTo: 'node', max: 1.5 },
  { text: 'idle RSS ≤ 1.2× node:http', figure: 'throughput', key: 'idleRssMiB', targets: ['podwarden'], ratioTo: 'node', max: 1.2 },
  { text: 'readiness req/s ≥ 0.9× node:http', figure: 'throughput', key: 'rps', targets: ['podwarden'], ratioTo: 'node', min: 0.9 },
  { text: 'readiness p99 ≤ 1.2× node:http', figure: 'throughput', key: 'p99Ms', targets: ['podwarden'], ratioTo: 'node', max: 1.2 },
  // 100 services: the services100 config in the general figures, and the 100 row of the scale figure.
  ...[['startup', 'podwarden-100'], ['scale', 'podwarden-scale-100']].map(([figure, target]) =>
    ({ text: '100 services: startup ≤ 2.5× node:http', figure, key: 'readyMs', targets: [target], ratioTo: 'node', max: 2.5 })),
  ...[['throughput', 'podwarden-100'], ['scale', 'podwarden-scale-100']].flatMap(([figure, target]) => [
    { text: '100 services: idle RSS ≤ 1.4× node:http', figure, key: 'idleRssMiB', targets: [target], ratioTo: 'node', max: 1.4 },
    { text: '100 services: readiness p99 ≤ 1.5× node:http', figure, key: 'p99Ms', targets: [target], ratioTo: 'node', max: 1.5 },
  ]),
  { text: 'SIGTERM → /readyz 503 ≤ 5 ms', figure: 'sigterm', key: 'ms', targets: ['podwarden', 'podwarden-100'], max: 5, unit: 'ms' },
  { text: '… while still serving (answered after 503 = 100 %)', figure: 'sigterm', key: 'servedPct', targets: ['podwarden', 'podwarden-100'], min: 100, unit: '%', stat: 'min' },
  { text: '/metrics p99 ≤ 10 ms (100 services, 100 checks), back-to-back scrapes', figure: 'metrics', key: 'p99Ms', targets: ['podwarden-100'], max: 10, unit: 'ms' },
  { text: '/metrics p99 ≤ 10 ms (100 services, 100 checks), a scrape every 50 ms', figure: 'metrics', key: 'pacedP99Ms', targets: ['podwarden-100'], max: 10, unit: 'ms' },
  { text: 'probe p99 with a hung check ≤ 1.1× without', figure: 'hung', key: 'p99Ms', targets: ['podwarden-hang'], ratioTo: 'podwarden-calm', max: 1.1 },
  { text: 'idle CPU, 20 checks at 1 s ≤ 0.8 % of a core', figure: 'idleCpu', key: 'cpuPct', targets: ['podwarden-20checks'], max: 0.8, unit: '%' },
  { text: 'flood: no poller failures (1 s timeout)', figure: 'flood', key: 'pollerFailures', targets: ['podwarden', 'podwarden-100'], max: 0, stat: 'sum' },
  { text: 'flood: poller p99 < 100 ms', figure: 'flood', key: 'pollerP99Ms', targets: ['podwarden', 'podwarden-100'], max: 99.999, unit: 'ms' },
  { text: 'image: docker run → /readyz 200 ≤ 1.5× the node:http image', figure: 'image', key: 'readyMs', targets: ['podwarden-image'], ratioTo: 'node', max: 1.5 },
  { text: 'image: container started → /readyz 200 ≤ 1.5× the node:http image', figure: 'image', key: 'startToReadyMs', targets: ['podwarden-image'], ratioTo: 'node', max: 1.5 },
  { text: 'image: Node idle RSS ≤ 1.2× the node:http image', figure: 'image', key: 'idleRssMiB', targets: ['podwarden-image'], ratioTo: 'node', max: 1.2 },
];

function statOf(fig, name, key, stat) {
  const t = fig?.targets[name];
  if (!t || t.runs.length === 0) return NaN;
  const values = t.runs.map((r) => r[key]).filter(Number.isFinite);
  if (values.length === 0) return NaN;
  if (stat === 'sum') return values.reduce((a, b) => a + b, 0);
  if (stat === 'min') return Math.min(...values);
  return t.summary[key].median;
}

export function evaluateGoals(figures) {
  const out = [];
  for (const g of goals) {
    const fig = figures[g.figure];
    for (const name of g.targets) {
      let value = statOf(fig, name, g.key, g.stat);
      let unit = g.unit ?? '';
      if (g.ratioTo) {
        const baseName = fig?.baselines[g.ratioTo] ?? (g.ratioTo === 'node' ? 'node-http' : g.ratioTo);
        value /= statOf(fig, baseName, g.key);
        unit = `× ${baseName}`;
      }
      const met = !Number.isFinite(value) ? undefined
        : (g.max === undefined || value <= g.max) && (g.min === undefined || value >= g.min);
      out.push({ goal: g.text, target: name, value, unit, met });
    }
  }
  return out;
}
