import type { createServer as createHttpServer } from 'node:http';
import type { createServer as createHttp2Server, createSecureServer as createSecureHttp2Server } from 'node:http2';
import type { createServer as createHttpsServer } from 'node:https';
import type fastify from 'fastify';
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
  type BackgroundService,
  type ExitReport,
  type HoldOutcome,
  type HoldSnapshot,
  type HttpServerService,
  type HttpServerServiceOptionsInput,
  type HttpServerStop,
  type ReleaseHold,
  type ServableHttpServer,
  type Server,
  type ServiceHandle,
  type ShutdownWatch,
  httpServerService,
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

describe('public types of httpServerService and holds', () => {
  it('are what the docs say', () => {
    expectTypeOf(httpServerService).returns.toEqualTypeOf<HttpServerService>();
    // Every server it takes: node:http, node:https, node:http2 (plain or secure), a fastify instance.
    expectTypeOf<ReturnType<typeof createHttpServer>>().toMatchTypeOf<ServableHttpServer>();
    expectTypeOf<ReturnType<typeof createHttpsServer>>().toMatchTypeOf<ServableHttpServer>();
    expectTypeOf<ReturnType<typeof createHttp2Server>>().toMatchTypeOf<ServableHttpServer>();
    expectTypeOf<ReturnType<typeof createSecureHttp2Server>>().toMatchTypeOf<ServableHttpServer>();
    expectTypeOf<ReturnType<typeof fastify>>().toMatchTypeOf<ServableHttpServer>();
    expectTypeOf<Record<never, never>>().toMatchTypeOf<HttpServerServiceOptionsInput>();
    expectTypeOf<HttpServerServiceOptionsInput>().toEqualTypeOf<Readonly<HttpServerServiceOptionsInput>>();
    expectTypeOf<HttpServerService['lastStop']>().toEqualTypeOf<HttpServerStop | undefined>();
    expectTypeOf<HttpServerService>().toMatchTypeOf<BackgroundService>();
    expectTypeOf<Server['hold']>().toEqualTypeOf<(reason: string) => ReleaseHold>();
    expectTypeOf<ServiceHandle['hold']>().toEqualTypeOf<(reason: string) => ReleaseHold>();
    expectTypeOf<ReleaseHold>().toEqualTypeOf<() => void>();
    expectTypeOf<HoldOutcome>().toEqualTypeOf<'released' | 'expired' | 'abandoned'>();
    expectTypeOf<ExitReport['holds']>().toEqualTypeOf<readonly HoldSnapshot[]>();
    expectTypeOf<LifecycleEvents['hold']['kind']>().toEqualTypeOf<'acquired' | 'released' | 'refused' | 'expired' | 'abandoned'>();
    expectTypeOf<ShutdownWatch['isDraining']>().toEqualTypeOf<boolean>();
    expectTypeOf<ShutdownWatch['onDrain']>().toEqualTypeOf<(listener: (draining: boolean) => void) => () => void>();
    expectTypeOf<ShutdownWatch['timeLeft']>().toEqualTypeOf<() => number>();
  });
});
