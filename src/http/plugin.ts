import type { IncomingMessage } from 'node:http';
import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import { type PodwardenEndpointsOptions, adapterEndpoints } from './adapter-options.js';
import { IncomingEndpointRequest } from './endpoint-request.js';

/** Options of the {@link podwardenHttp} fastify plugin (those of every adapter). */
export type PodwardenHttpPluginOptions = PodwardenEndpointsOptions;

const plugin: FastifyPluginAsync<PodwardenHttpPluginOptions> = async (fastify, options) => {
  const endpoints = adapterEndpoints(options);
  // A scope of its own, under the prefix the plugin was registered with, so that its body parser stays off the app's
  // other routes: bodies are left to the endpoints, which read one up to their limit and ignore it.
  await fastify.register(async (scope) => {
    const prefix = scope.prefix;
    const handler = async (request: FastifyRequest, reply: FastifyReply) => {
      const answer = await endpoints.answer(new IncomingEndpointRequest(request.raw as IncomingMessage, request.url.slice(prefix.length)));
      reply.code(answer.status);
      const { headers } = answer;
      for (let i = 0; i < headers.length; i += 2) reply.header(headers[i]!, headers[i + 1]);
      return reply.send(answer.body);
    };
    scope.removeAllContentTypeParsers();
    scope.addContentTypeParser('*', (_request, _payload, done) => done(null));
    for (const path of endpoints.paths) scope.all(path, { exposeHeadRoute: false }, handler);
  }, { prefix: (options as { prefix?: string }).prefix });
  fastify.addHook('onClose', async () => endpoints.close());
};

/**
 * podwarden's endpoints as a fastify plugin: `/livez`, `/readyz`, `/startupz`
 * (and `/<endpoint>/<name>`), `/drain`, and `/metrics` when given metrics. Use
 * it to serve them from an app's own fastify instance: the answers are those
 * of the `podwarden` service's own listener ({@link addHttpService}), made by
 * the same function, and only the plugin's own requests are counted.
 */
export const podwardenHttp = fp(plugin, { name: 'podwarden-http', fastify: '5.x' });
