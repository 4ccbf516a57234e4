import net from 'node:net';
import type { BackgroundService } from '../core/background-service.js';
import type { TcpServiceSpec } from '../config/schema.js';
import type { CheckResults } from './check-result.js';
import { describeError } from './network-error.js';
import { periodicCheck } from './periodic-check.js';

/** A `tcp` check: success once a connection to `host:port` opens; it is closed at once. */
export function tcpCheck(spec: TcpServiceSpec, results: CheckResults): BackgroundService {
  return periodicCheck({
    ...spec,
    results,
    setup: () => ({
      attempt: (signal) =>
        new Promise<void>((resolve, reject) => {
          const socket = net.connect({ host: spec.host, port: spec.port, signal });
          socket.once('connect', () => {
            socket.destroy();
            resolve();
          });
          socket.once('error', (err) => {
            socket.destroy();
            reject(new Error(describeError(err)));
          });
        }),
    }),
  });
}
