import type { BackgroundService } from '../core/background-service.js';
import type { GrpcServiceSpec } from '../config/schema.js';
import type { CheckResults } from './check-result.js';
import { loadGrpcModules } from './grpc-packages.js';
import { periodicCheck } from './periodic-check.js';
import { readCa } from './tls-material.js';

interface HealthReply {
  status?: string;
}
interface HealthClient {
  check(
    request: { service: string },
    options: { deadline: Date },
    callback: (err: (Error & { code?: number; details?: string }) | null, reply?: HealthReply) => void,
  ): { cancel(): void };
  close(): void;
}

/**
 * A `grpc` check: call the standard `grpc.health.v1.Health/Check` for
 * `service`; success on `SERVING`. Each attempt uses a new channel (as
 * kubelet's gRPC probe does), so a restarted server is seen at the next
 * attempt, not after a reconnect backoff. `@grpc/grpc-js` is loaded when the
 * first gRPC check starts, so a sidecar without one does not pay for it; it
 * and `grpc-health-check` are optional peer dependencies, and without them
 * the service fails with `PODWARDEN_ERR_MISSING_PACKAGE`, saying what to
 * install.
 */
export function grpcCheck(spec: GrpcServiceSpec, results: CheckResults): BackgroundService {
  const target = spec.target ?? `${spec.host.includes(':') ? `[${spec.host}]` : spec.host}:${String(spec.port)}`;
  return periodicCheck({
    ...spec,
    results,
    async setup() {
      const { grpc, health } = await loadGrpcModules('a grpc check');
      const tls = spec.tls === true ? { insecureSkipVerify: false, ca: undefined } : spec.tls === false ? undefined : spec.tls;
      const credentials = tls
        ? grpc.credentials.createSsl((await readCa(tls.ca)) ?? null, null, null, { rejectUnauthorized: !tls.insecureSkipVerify })
        : grpc.credentials.createInsecure();
      const Client = grpc.makeClientConstructor(health.service, 'grpc.health.v1.Health') as unknown as new (
        target: string,
        credentials: unknown,
        options: Record<string, unknown>,
      ) => HealthClient;
      return {
        attempt: (signal) =>
          new Promise<void>((resolve, reject) => {
            const client = new Client(target, credentials, { 'grpc.use_local_subchannel_pool': 1, 'grpc.enable_retries': 0 });
            const call = client.check({ service: spec.service }, { deadline: new Date(Date.now() + spec.timeout) }, (err, reply) => {
              signal.removeEventListener('abort', onAbort);
              client.close();
              if (err) reject(new Error(err.details || err.message));
              else if (reply?.status === 'SERVING') resolve();
              else reject(new Error(`status ${reply?.status ?? 'missing'}${spec.service ? ` for service "${spec.service}"` : ''}`));
            });
            const onAbort = () => call.cancel();
            signal.addEventListener('abort', onAbort, { once: true });
          }),
      };
    },
  });
}
