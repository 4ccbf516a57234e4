import { describe, expectTypeOf, it } from 'vitest';
import type { ConfigOverrides } from '../../src/config/env-overrides.js';
import type { CheckResult, PodwardenConfig, PodwardenConfigInput, ServiceSpec, ServiceSpecOf } from '../../src/index.js';
import { loadConfig } from '../../src/index.js';

describe('config types', () => {
  it('resolves durations to milliseconds and keeps the agreed names', () => {
    expectTypeOf<PodwardenConfig['server']['port']>().toEqualTypeOf<number>();
    expectTypeOf<PodwardenConfig['server']['metricsPort']>().toEqualTypeOf<number | null>();
    expectTypeOf<PodwardenConfig['server']['eventLoop']['maxLag']>().toEqualTypeOf<number>();
    expectTypeOf<PodwardenConfig['shutdown']['drainDelay']>().toEqualTypeOf<number>();
    expectTypeOf<PodwardenConfig['drain']['token']>().toEqualTypeOf<string | undefined>();
    expectTypeOf<PodwardenConfig['drain']['allowFrom']>().toEqualTypeOf<readonly string[]>();
    expectTypeOf<PodwardenConfig['drain']['hostIPs']>().toEqualTypeOf<readonly string[] | undefined>();
    expectTypeOf<PodwardenConfig['drain']['appCheck']>().toEqualTypeOf<string | undefined>();
    expectTypeOf<PodwardenConfig['drain']['stateFile']>().toEqualTypeOf<string | undefined>();
    expectTypeOf<PodwardenConfig['log']['level']>().toEqualTypeOf<'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent'>();
    expectTypeOf<ServiceSpecOf<'http'>['interval']>().toEqualTypeOf<number>();
    expectTypeOf<ServiceSpecOf<'http'>['expectStatus']>().toEqualTypeOf<ReadonlyArray<readonly [number, number]>>();
    expectTypeOf<ServiceSpecOf<'http'>['bodyMatch']>().toEqualTypeOf<RegExp | undefined>();
    expectTypeOf<ServiceSpecOf<'tcp'>['port']>().toEqualTypeOf<number>();
    expectTypeOf<ServiceSpecOf<'module'>>().not.toHaveProperty('interval');
    expectTypeOf<ServiceSpec['type']>().toEqualTypeOf<'http' | 'tcp' | 'grpc' | 'exec' | 'file' | 'dns' | 'module'>();
    expectTypeOf(loadConfig).returns.resolves.toEqualTypeOf<PodwardenConfig>();
  });

  it('is read-only once resolved', () => {
    const mutate = (config: PodwardenConfig) => {
      // @ts-expect-error the resolved config is read-only
      config.server.port = 1;
      // @ts-expect-error lists are read-only too
      config.services.push({} as ServiceSpec);
    };
    expectTypeOf(mutate).parameter(0).toEqualTypeOf<PodwardenConfig>();
  });

  it('takes durations as strings on input, and flag overrides as text', () => {
    const input: PodwardenConfigInput = { server: { port: 7654 }, shutdown: { drainDelay: '10s' }, services: [{ name: 'app', type: 'tcp', port: 5432, interval: '2s' }] };
    const overrides: ConfigOverrides = { port: '8080', exposeDetails: true, metricsPort: null };
    void input;
    void overrides;
    // @ts-expect-error an unknown override key
    const bad: ConfigOverrides = { prot: 1 };
    void bad;
  });

  it('check results carry what the metrics need', () => {
    expectTypeOf<CheckResult>().toHaveProperty('durationMs').toEqualTypeOf<number>();
    expectTypeOf<CheckResult>().toHaveProperty('error').toEqualTypeOf<string | undefined>();
  });
});
