import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { type HealthModel, type ProbeRoute, probeRoutes } from './health-model.js';
import type { RequestCounters } from '../metrics/request-metrics.js';
import { countingHook, textHeaders } from './route-config.js';

interface ProbeQuery {
  readonly verbose?: string;
  readonly exclude?: string | string[];
}

const jsonHeaders = { 'cache-control': 'no-store' } as const;

function wantsJson(accept: string | undefined): boolean {
  return accept !== undefined && accept.includes('application/json');
}

/**
 * `/livez`, `/readyz`, `/startupz` and `/<probe>/<name>` (GET; HEAD comes with
 * it). Handlers read the {@link HealthModel}'s in-memory state and never await.
 * With `counters`, each route counts its requests.
 */
export function registerProbeRoutes(fastify: FastifyInstance, model: HealthModel, counters: RequestCounters | undefined): void {
  for (const route of probeRoutes) {
    const options = counters ? { onResponse: countingHook(counters, route) } : {};
    const handler = (request: FastifyRequest, reply: FastifyReply): void => {
      const query = request.query as ProbeQuery;
      const name = (request.params as { name?: string }).name;
      const exclude = query.exclude === undefined ? undefined : Array.isArray(query.exclude) ? query.exclude : [query.exclude];
      if (wantsJson(request.headers.accept)) {
        answerJson(reply, model, route, exclude, name);
        return;
      }
      const verbose = query.verbose !== undefined;
      const answer = name === undefined ? model.answer(route, verbose, exclude) : model.answerOne(route, name, verbose);
      reply.code(answer.status).headers(textHeaders).send(answer.body);
    };
    fastify.get(`/${route}`, options, handler);
    fastify.get(`/${route}/:name`, options, handler);
  }
}

function answerJson(reply: FastifyReply, model: HealthModel, route: ProbeRoute, exclude: readonly string[] | undefined, name: string | undefined): void {
  const report = model.report(route, exclude, name);
  if (!report) {
    reply.code(404).headers(jsonHeaders).send({ error: 'not found' });
    return;
  }
  reply.code(report.status).headers(jsonHeaders).send(report.body);
}
