import { describe, expect, it } from 'vitest';
import { formatDuration, parseDuration, readDuration, toMilliseconds } from '../../src/core/duration.js';
import { resolveServerOptions, resolveServiceOptions } from '../../src/core/options.js';
import { isPodwardenError } from '../../src/errors.js';
import { resolveHttpOptions } from '../../src/http/options.js';

const grammar = 'a decimal number with a unit (ms, s, m or h), such as 250ms, 1.5s, 10m or 1h; or 0';

/** Written in the grammar, and what they mean in milliseconds. */
const accepted: ReadonlyArray<readonly [string, number]> = [
  ['0', 0],
  ['0s', 0],
  ['0ms', 0],
  ['250ms', 250],
  ['1.5ms', 1.5],
  ['1s', 1000],
  ['1.1s', 1100],
  ['1.5s', 1500],
  ['10m', 600_000],
  ['0.5m', 30_000],
  ['1h', 3_600_000],
  ['1.25h', 4_500_000],
  ['007s', 7000],
];

/** Not in the grammar: other units, spaces, signs, exponents, no unit, no digits. */
const refused = ['1sec', '5 s', ' 5s', '5s ', '1 hour', '2w', '1d', '1y', '5S', '1H', '-1s', '+1s', '.5s', '5.s', '1e3ms', '1_000ms', '10', '00', '0.0', 'ms', '', '1m30s', 'Infinitys', 'NaNs'];

describe('the duration grammar', () => {
  it.each(accepted)('reads %j as %d ms', (text, ms) => {
    expect(parseDuration(text)).toBe(ms);
    expect(readDuration(text)).toEqual({ ms });
  });

  it.each(refused)('refuses %j, saying how to write a duration', (text) => {
    expect(parseDuration(text)).toBeUndefined();
    expect(readDuration(text)).toEqual({ problem: `is not a duration; write ${grammar}` });
  });

  it('takes the number 0 (YAML reads `0` as a number) but no other bare number', () => {
    expect(readDuration(0)).toEqual({ ms: 0 });
    expect(readDuration(5000)).toEqual({ problem: `has no unit; write ${grammar}` });
    expect(readDuration(null)).toEqual({ problem: `is not a duration; write ${grammar}` });
  });

  it('checks the bounds, and refuses more than 24 days (Node timers overflow)', () => {
    expect(readDuration('0.5ms', { min: 1 })).toEqual({ problem: 'is too short; the minimum is 1ms' });
    expect(readDuration('2h', { max: 3_600_000 })).toEqual({ problem: 'is too long; the maximum is 1h' });
    expect(readDuration('576h')).toEqual({ ms: 576 * 3_600_000 });
    expect(readDuration('577h').problem).toBe("is too long; the maximum is 576h (24 days: Node's timers overflow beyond)");
    expect(readDuration('99999999999999h').problem).toMatch(/^is too long/);
  });
});

describe('formatDuration', () => {
  it('writes milliseconds in the grammar, in the largest whole unit from a minute up', () => {
    const cases: ReadonlyArray<readonly [number, string]> = [
      [0, '0s'],
      [0.5, '0.5ms'],
      [250, '250ms'],
      [999, '999ms'],
      [1000, '1s'],
      [1500, '1.5s'],
      [10_000, '10s'],
      [72_000, '72s'],
      [90_000, '90s'],
      [120_000, '2m'],
      [3_600_000, '1h'],
      [5_400_000, '90m'],
      [576 * 3_600_000, '576h'],
    ];
    for (const [ms, text] of cases) expect(formatDuration(ms), String(ms)).toBe(text);
  });

  it('reads back as what it wrote', () => {
    for (const ms of [0, 1, 2.5, 250, 1000, 1234, 59_999, 60_000, 61_000, 3_599_000, 7_200_000, 86_400_000]) {
      expect(parseDuration(formatDuration(ms)), String(ms)).toBe(ms);
    }
  });
});

describe('library options: milliseconds, or a string in the grammar', () => {
  it('takes a number as milliseconds and a string in the grammar', () => {
    expect(toMilliseconds(2500, 'x')).toBe(2500);
    expect(toMilliseconds('2.5s', 'x')).toBe(2500);
    expect(resolveServerOptions({ shutdown: { drainDelay: '1.5s', stopBudget: 20_000 } })).toMatchObject({ drainDelay: 1500, stopBudget: 20_000 });
  });

  it.each(['1sec', '5 s', '1 hour', '2w'])('refuses %j with the option and the grammar', (text) => {
    const refusal = (fn: () => unknown) => {
      try {
        fn();
      } catch (err) {
        expect(isPodwardenError(err, 'PODWARDEN_ERR_INVALID_OPTION')).toBe(true);
        return (err as Error).message;
      }
      throw new Error(`${text} was accepted`);
    };
    expect(refusal(() => resolveServerOptions({ shutdown: { drainDelay: text } }))).toContain(`shutdown.drainDelay: "${text}" is not a duration; write ${grammar}`);
    expect(refusal(() => resolveServiceOptions('app', { restartBackoff: { initial: text } }, resolveServerOptions()))).toContain(`restartBackoff.initial of service "app"`);
    expect(refusal(() => resolveHttpOptions({ timeouts: { keepAlive: text } }))).toContain(`timeouts.keepAlive: "${text}" is not a duration; write ${grammar}`);
  });

  it('refuses negative, infinite and overflowing milliseconds', () => {
    expect(() => toMilliseconds(-1, 'x')).toThrow(/x: -1 is not a duration; use milliseconds \(a number ≥ 0\)/);
    expect(() => toMilliseconds(Number.NaN, 'x')).toThrow(/x: NaN is not a duration/);
    expect(() => toMilliseconds(25 * 24 * 3_600_000, 'x')).toThrow(/is too long; the maximum is 576h/);
  });
});
