import type * as OtelApiModule from '@opentelemetry/api';
import type { Timestamp } from '../core/clock.js';
import type { Server } from '../core/server.js';
import { type DrainRecord, type ServiceMoment, type SpanPlan, endsStartup, shutdownPlan, startupPlan } from './span-plan.js';

/** The part of an OpenTelemetry `TracerProvider` podwarden uses: `getTracer`. */
export interface TracerProviderLike {
  getTracer(name: string, version?: string): unknown;
}

/** Options of {@link traceLifecycle}. */
export interface LifecycleTracingOptions {
  /** Where the spans go (default: the global provider of `@opentelemetry/api`, a no-op until an SDK registers one). */
  readonly tracerProvider?: TracerProviderLike;
}

/** How a started lifecycle trace is followed and stopped. */
export interface LifecycleTracing {
  /** Resolves once the spans so far are handed to the tracer (they are recorded when the API has loaded). */
  readonly recorded: Promise<void>;
  /** Stop following the server. */
  stop(): void;
}

type OtelApi = typeof OtelApiModule;

/** State changes and restarts kept per service for its startup span; a service that flaps keeps only its first ones. */
const momentsPerService = 32;
/** Where the tracer is named. */
const tracerName = 'podwarden';

let apiLoad: Promise<OtelApi | undefined> | undefined;
/** `@opentelemetry/api` when the app has it (an optional peer dependency); `undefined` makes tracing a no-op. */
function loadApi(): Promise<OtelApi | undefined> {
  apiLoad ??= import('@opentelemetry/api').then(
    (api) => api,
    () => undefined,
  );
  return apiLoad;
}

/**
 * Record a server's lifecycle as OpenTelemetry spans through
 * `@opentelemetry/api`: a `podwarden.startup` trace once every service has
 * settled (a `start <name>` child per service, with its dependency wait,
 * state changes and restarts as events, and the reason as an error status),
 * and a `podwarden.shutdown` trace when the server terminates (the drain, and
 * a `stop <name>` child per service in the order they stopped, overruns as
 * errors). There is no active context at startup, so both are root spans of
 * traces of their own: the SDK's resource attributes tie them to the pod.
 *
 * A library configures no SDK: without `@opentelemetry/api` installed, or
 * without a registered provider, this records nothing. Call it before
 * `server.run()`.
 */
export function traceLifecycle(server: Server, options: LifecycleTracingOptions = {}): LifecycleTracing {
  const moments = new Map<string, ServiceMoment[]>();
  let startedAt: Timestamp | undefined;
  let startupRecorded = false;
  let drain: { -readonly [K in keyof DrainRecord]: DrainRecord[K] } | undefined;
  let requestedAt: Timestamp | undefined;
  let recorded: Promise<void> = Promise.resolve();

  const record = (plan: SpanPlan) => {
    recorded = recorded.then(async () => {
      const api = await loadApi();
      if (api === undefined) return;
      const provider = options.tracerProvider ?? api.trace.getTracerProvider();
      emit(api, provider.getTracer(tracerName) as ReturnType<OtelApi['trace']['getTracer']>, plan, undefined);
    });
  };
  const keep = (name: string, moment: ServiceMoment) => {
    let list = moments.get(name);
    if (list === undefined) moments.set(name, (list = []));
    if (list.length < momentsPerService) list.push(moment);
  };
  const recordStartup = (end: Timestamp) => {
    if (startupRecorded || startedAt === undefined) return;
    startupRecorded = true;
    record(startupPlan(startedAt, end, server.services(), moments));
    moments.clear();
  };

  const offs = [
    server.on('service-state', (e) => {
      if (startupRecorded) return;
      keep(e.name, { name: e.state, at: e.at, attributes: { 'podwarden.service.previous_state': e.previous, 'podwarden.service.instance': e.instance, ...(e.reason ? { 'podwarden.reason': e.reason } : {}) } });
    }),
    server.on('service-restart', (e) => {
      if (!startupRecorded) keep(e.name, { name: 'restart', at: e.at, attributes: { 'podwarden.service.restarts': e.restarts, 'podwarden.reason': e.reason } });
    }),
    server.on('phase', (e) => {
      if (e.phase === 'starting') startedAt = e.at;
      // A shutdown before every service settled ends the startup too, unfinished services with it.
      else if (endsStartup(e.phase)) recordStartup(e.at);
    }),
    server.on('signal', (e) => {
      requestedAt ??= e.at;
    }),
    server.on('drain', (e) => {
      if (e.kind === 'started') drain = { source: e.source, startedAt: e.at, completedAt: undefined };
      else if (e.kind === 'completed' && drain) drain.completedAt = e.at;
      else if (e.kind === 'undrained') drain = undefined;
    }),
    server.on('terminated', (report) => {
      record(shutdownPlan(report, drain, requestedAt));
    }),
  ];

  return {
    get recorded() {
      return recorded;
    },
    stop() {
      for (const off of offs) off();
    },
  };
}

/** Record `plan` and its children as spans, with the plan's own times. */
function emit(api: OtelApi, tracer: ReturnType<OtelApi['trace']['getTracer']>, plan: SpanPlan, parent: ReturnType<OtelApi['trace']['getSpan']>): void {
  const context = parent ? api.trace.setSpan(api.ROOT_CONTEXT, parent) : api.ROOT_CONTEXT;
  const span = tracer.startSpan(plan.name, { startTime: plan.start, attributes: plan.attributes, root: parent === undefined }, context);
  for (const event of plan.events) span.addEvent(event.name, event.attributes ?? {}, event.at);
  if (plan.error !== undefined) span.setStatus({ code: api.SpanStatusCode.ERROR, message: plan.error });
  for (const child of plan.children) emit(api, tracer, child, span);
  span.end(plan.end);
}
