import type { BackgroundService } from '../core/background-service.js';
import type { ServiceSpec } from '../config/schema.js';
import type { CheckResults } from './check-result.js';
import { dnsCheck } from './dns-check.js';
import { execCheck } from './exec-check.js';
import { fileCheck } from './file-check.js';
import { grpcCheck } from './grpc-check.js';
import { httpCheck } from './http-check.js';
import { moduleService } from './module-service.js';
import { tcpCheck } from './tcp-check.js';

/** Build the {@link BackgroundService} for one configured service; periodic checks report to `results`. */
export function createCheckService(spec: ServiceSpec, results: CheckResults): BackgroundService {
  switch (spec.type) {
    case 'http':
      return httpCheck(spec, results);
    case 'tcp':
      return tcpCheck(spec, results);
    case 'grpc':
      return grpcCheck(spec, results);
    case 'exec':
      return execCheck(spec, results);
    case 'file':
      return fileCheck(spec, results);
    case 'dns':
      return dnsCheck(spec, results);
    case 'module':
      return moduleService(spec);
  }
}
