/**
 * podwarden: Pingora-style background services for Node.js, wired to
 * Kubernetes probes, preStop drain and Prometheus.
 *
 * @packageDocumentation
 */
export * from './core/index.js';
export { addHttpService } from './http/http-service.js';
export type { HttpService } from './http/http-service.js';
export { podwardenHttp } from './http/plugin.js';
export { httpServerService } from './http/http-server-service.js';
export type { FastifyLike, HttpServerService, HttpServerServiceOptionsInput, HttpServerStop, ServableHttpServer } from './http/http-server-service.js';
export type { PodwardenHttpPluginOptions } from './http/plugin.js';
export { podwardenRequestHandler, podwardenMiddleware } from './http/request-handler.js';
export type { PodwardenRequestHandler, PodwardenMiddleware } from './http/request-handler.js';
export type { PodwardenEndpointsOptions } from './http/adapter-options.js';
export type { HttpOptionsInput, HttpConfig, HttpLog } from './http/options.js';
export type { HealthEndpoint } from './http/health-endpoints.js';
export type { HealthReport, ReportCheck, ReportCheckDetails, ReportShutdown } from './http/health-report.js';
export { traceLifecycle } from './tracing/lifecycle-tracing.js';
export type { LifecycleTracing, LifecycleTracingOptions, TracerProviderLike } from './tracing/lifecycle-tracing.js';
export { EventLoopMonitor } from './runtime/event-loop-monitor.js';
export type { EventLoopConfig, EventLoopVerdict } from './runtime/event-loop-monitor.js';
export { createMetrics } from './metrics/podwarden-metrics.js';
export type { PodwardenMetrics, MetricsOptionsInput, MetricsConfig } from './metrics/podwarden-metrics.js';
export type { RequestEndpoint, DrainResult } from './metrics/request-metrics.js';
export type { HttpServerMetrics, HttpServerStopCounter } from './metrics/http-server-metrics.js';
export { createLogger, logLevelNames } from './logging/logger.js';
export type { LoggerOptionsInput, LogLevelName } from './logging/logger.js';
export { logLifecycle } from './logging/lifecycle-log.js';
export type { LifecycleLogOptions } from './logging/lifecycle-log.js';
export { logExitReport } from './logging/exit-log.js';
export { loadConfig, parseConfig, embeddedDefaultConfig } from './config/load-config.js';
export type { LoadConfigOptions, ParseConfigOptions } from './config/load-config.js';
export type {
  PodwardenConfigInput,
  PodwardenConfig,
  ServiceSpec,
  ServiceSpecOf,
  ServiceType,
  CheckSpec,
  HttpServiceSpec,
  TcpServiceSpec,
  GrpcServiceSpec,
  ExecServiceSpec,
  FileServiceSpec,
  DnsServiceSpec,
  ModuleServiceSpec,
} from './config/schema.js';
export { redactConfig } from './config/redact.js';
export { CheckResults } from './checks/check-result.js';
export type { CheckResult, CheckResultListener } from './checks/check-result.js';
export { periodicCheck } from './checks/periodic-check.js';
export type { CheckAttempt, CheckSession, CheckTiming, PeriodicCheckOptions } from './checks/periodic-check.js';
export { createCheckService } from './checks/create-check-service.js';
