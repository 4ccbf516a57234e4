import { describe, expectTypeOf, it } from 'vitest';
import {
  type HttpOptionsInput,
  type HttpService,
  type HealthReport,
  type HealthEndpoint,
  type RequestEndpoint,
  type DrainResult,
  type LogLevelName,
  type PodwardenMetrics,
  addHttpService,
  createLogger,
  createMetrics,
  podwardenHttp,
  podwardenMiddleware,
  podwardenRequestHandler,
  type PodwardenEndpointsOptions,
  type ReportCheckDetails,
  type LifecycleEvents,
  type ServerOptionsInput,
} from '../../src/index.js';

describe('public types of the HTTP, metrics and logging API', () => {
  it('are what the docs say', () => {
    expectTypeOf<HealthEndpoint>().toEqualTypeOf<'livez' | 'readyz' | 'startupz'>();
    expectTypeOf<RequestEndpoint>().toEqualTypeOf<'livez' | 'readyz' | 'startupz' | 'drain' | 'metrics' | 'other'>();
    expectTypeOf<DrainResult>().toEqualTypeOf<'drained' | 'unauthorized' | 'forbidden' | 'forbidden-source' | 'unavailable'>();
    expectTypeOf<LogLevelName>().toEqualTypeOf<'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent'>();
    expectTypeOf<HealthReport['status']>().toEqualTypeOf<'ok' | 'failed'>();
    expectTypeOf(addHttpService).returns.toEqualTypeOf<HttpService>();
    expectTypeOf(createMetrics).returns.toEqualTypeOf<PodwardenMetrics>();
    expectTypeOf(createLogger).parameter(0).toMatchTypeOf<{ level?: LogLevelName } | undefined>();
    expectTypeOf(podwardenHttp).toBeFunction();
    // The three adapters take one options type; the handler says whether it answered.
    expectTypeOf(podwardenMiddleware).parameter(0).toEqualTypeOf<PodwardenEndpointsOptions>();
    expectTypeOf(podwardenRequestHandler).parameter(0).toEqualTypeOf<PodwardenEndpointsOptions>();
    expectTypeOf(podwardenRequestHandler).returns.returns.toEqualTypeOf<boolean>();
    expectTypeOf<ReportCheckDetails['thresholds']>().toEqualTypeOf<
      { readonly successThreshold: number; readonly failureThreshold: number; readonly intervalSeconds: number; readonly timeoutSeconds: number } | undefined
    >();
    // Every input option is optional and read-only.
    expectTypeOf<Record<never, never>>().toMatchTypeOf<HttpOptionsInput>();
    expectTypeOf<HttpOptionsInput>().toEqualTypeOf<Readonly<HttpOptionsInput>>();
    // Durations accept milliseconds or strings.
    expectTypeOf<{ eventLoop: { maxLag: '1s'; livenessAfter: 10_000 } }>().toMatchTypeOf<HttpOptionsInput>();
    expectTypeOf<NonNullable<HttpOptionsInput['drain']>['allowFrom']>().toEqualTypeOf<readonly string[] | undefined>();
    expectTypeOf<{ drain: { allowFrom: ['hostIPs', '10.0.0.0/8']; hostIPs: ['10.0.0.7'] } }>().toMatchTypeOf<HttpOptionsInput>();
    expectTypeOf<LifecycleEvents['drain-state']['kind']>().toEqualTypeOf<'restored' | 'ignored' | 'write-failed'>();
    expectTypeOf<{ drain: { maxHold: '2m'; appCheck: 'app'; stateFile: '/run/podwarden/drain-state' } }>().toMatchTypeOf<ServerOptionsInput>();
  });
});
