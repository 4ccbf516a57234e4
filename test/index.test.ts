import { describe, expect, it } from 'vitest';
import * as core from '../src/core/index.js';
import * as podwarden from '../src/index.js';

/**
 * The values `podwarden` and `podwarden/core` export, by name. Adding or
 * removing one changes the public API: update this list and CHANGELOG.md.
 */
const coreExports = ['PodwardenError', 'Server', 'ServiceReadyNotifier', 'errorCodes', 'isPodwardenError', 'probeKinds', 'serverPhases', 'serviceFromFunction', 'serviceStates'];
const libraryExports = [
  ...coreExports,
  'CheckResults',
  'EventLoopMonitor',
  'addHttpService',
  'createCheckService',
  'createLogger',
  'createMetrics',
  'embeddedDefaultConfig',
  'httpServerService',
  'loadConfig',
  'logExitReport',
  'logLevelNames',
  'logLifecycle',
  'parseConfig',
  'periodicCheck',
  'podwardenHttp',
  'podwardenMiddleware',
  'podwardenRequestHandler',
  'redactConfig',
  'traceLifecycle',
];

describe('the public API', () => {
  it('podwarden/core exports the runner alone', () => {
    expect(Object.keys(core).sort()).toEqual([...coreExports].sort());
  });

  it('podwarden exports the runner and its HTTP, metrics, logging, config and check layers, nothing more', () => {
    expect(Object.keys(podwarden).sort()).toEqual([...libraryExports].sort());
  });
});
