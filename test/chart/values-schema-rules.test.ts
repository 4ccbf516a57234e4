import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { serviceSchemas } from '../../src/config/service-schemas.js';
import { parseDuration } from '../../src/core/duration.js';
import { logLevelNames } from '../../src/logging/log-levels.js';
import { metricPrefixPattern } from '../../src/metrics/metric-prefix.js';

interface SchemaNode {
  pattern?: string;
  const?: unknown;
  enum?: unknown[];
  oneOf?: SchemaNode[];
  properties?: Record<string, SchemaNode>;
  items?: SchemaNode;
}

const schema = JSON.parse(readFileSync('charts/podwarden/values.schema.json', 'utf8')) as SchemaNode & { definitions: Record<string, SchemaNode> };
const config = schema.properties?.config?.properties ?? {};

/** values.schema.json refuses what podwarden would refuse, by podwarden's own rules, before anything is rendered. */
describe("the chart's values.schema.json states podwarden's rules", () => {
  it('durations: the one grammar, a decimal with a unit (ms, s, m or h), or 0', () => {
    const duration = schema.definitions.duration?.oneOf ?? [];
    const pattern = new RegExp(duration.find((branch) => branch.pattern)?.pattern ?? '(?!)');
    const samples = ['0', '0s', '250ms', '1.5s', '10m', '0.5m', '1h', '1sec', '5 s', ' 5s', '1 hour', '2w', '1d', '5S', '-1s', '.5s', '1e3ms', '10', '0.0', 'ms', '', '1m30s'];
    for (const text of samples) expect(pattern.test(text), text).toBe(parseDuration(text) !== undefined);
    expect(duration.some((branch) => branch.const === 0)).toBe(true);
  });

  it('log levels, the metric prefix and the check types', () => {
    expect(config.log?.properties?.level?.enum).toEqual([...logLevelNames]);
    const prefix = new RegExp(config.metrics?.properties?.prefix?.pattern ?? '(?!)');
    for (const text of ['', 'podwarden_', 'app_', '_x', 'A9', '9bad', 'a-b', 'a b', 'ä_']) expect(prefix.test(text), text).toBe(metricPrefixPattern.test(text));
    expect(config.services?.items?.properties?.type?.enum).toEqual(serviceSchemas.flatMap((s) => s.shape.type.def.values));
  });
});
