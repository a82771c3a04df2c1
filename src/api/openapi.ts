import type { FastifyInstance, RouteOptions } from 'fastify';
import { z } from 'zod';

interface Collected {
  method: string;
  url: string;
  schema: Record<string, unknown>;
}

/** Collects every route's zod schemas and serves them as an OpenAPI 3.1 document. */
export function useOpenApi(app: FastifyInstance, opts: { title: string; version: string; path: string }): void {
  const routes: Collected[] = [];
  app.addHook('onRoute', (r: RouteOptions) => {
    if (r.schema && !(r.config as { hidden?: boolean } | undefined)?.hidden) {
      for (const m of [r.method].flat()) routes.push({ method: m.toLowerCase(), url: r.url, schema: r.schema as Record<string, unknown> });
    }
  });
  let doc: unknown = null;
  app.get(opts.path, { config: { public: true, hidden: true } }, async () => (doc ??= build(routes, opts)));
}

function build(routes: Collected[], opts: { title: string; version: string }): unknown {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const r of routes) {
    const path = r.url.replace(/:(\w+)/g, '{$1}');
    const op: Record<string, unknown> = { summary: r.schema.summary, security: [{ bearer: [] }] };
    const params: unknown[] = [];
    for (const [where, key] of [
      ['path', 'params'],
      ['query', 'querystring'],
    ] as const) {
      const s = r.schema[key] as z.ZodType | undefined;
      if (!s) continue;
      const js = jsonSchema(s, 'input') as { properties?: Record<string, unknown>; required?: string[] };
      for (const [name, schema] of Object.entries(js.properties ?? {})) {
        params.push({ name, in: where, required: where === 'path' || (js.required ?? []).includes(name), schema });
      }
    }
    if (params.length) op.parameters = params;
    const body = r.schema.body as z.ZodType | undefined;
    if (body) op.requestBody = { required: true, content: { 'application/json': { schema: jsonSchema(body, 'input') } } };
    const responses: Record<string, unknown> = {};
    for (const [code, s] of Object.entries((r.schema.response as Record<string, z.ZodType> | undefined) ?? {})) {
      responses[code] = { description: code, content: { 'application/json': { schema: jsonSchema(s, 'output') } } };
    }
    op.responses = responses;
    (paths[path] ??= {})[r.method] = op;
  }
  return {
    openapi: '3.1.0',
    info: { title: opts.title, version: opts.version },
    components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } } },
    paths,
  };
}

function jsonSchema(s: z.ZodType, io: 'input' | 'output'): unknown {
  return z.toJSONSchema(s, { io, unrepresentable: 'any' });
}
