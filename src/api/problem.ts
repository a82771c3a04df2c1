import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { isMusterError } from '../errors.js';

/** The error body every route returns: RFC 9457 problem+json plus muster's stable `code`. */
export const ProblemSchema = z.object({
  type: z.string(),
  title: z.string(),
  status: z.number().int(),
  detail: z.string(),
  instance: z.string(),
  code: z.string(),
  errors: z.array(z.object({ path: z.string(), message: z.string() })).optional(),
});
export type Problem = z.infer<typeof ProblemSchema>;

// A URN, not a URL: nothing is served at it; the code is the stable part (docs/errors.md).
const TYPE_BASE = 'urn:muster:error:';

/** One error handler: plugins throw, this formats. */
export function useProblems(app: FastifyInstance): void {
  app.setErrorHandler((err: FastifyError, req: FastifyRequest, reply: FastifyReply) => {
    const p = toProblem(err, req);
    if (p.status >= 500) req.log.error({ err }, 'request failed');
    void reply.code(p.status).type('application/problem+json').send(JSON.stringify(p));
  });
  app.setNotFoundHandler((req, reply) => {
    const p = problem(404, 'ROUTE_NOT_FOUND', `no route ${req.method} ${req.url.split('?')[0]}`, req);
    void reply.code(404).type('application/problem+json').send(JSON.stringify(p));
  });
}

function toProblem(err: FastifyError, req: FastifyRequest): Problem {
  if (isMusterError(err)) return problem(err.httpStatus, err.code, err.message, req);
  const zerr = err instanceof z.ZodError ? err : err.cause instanceof z.ZodError ? err.cause : null;
  if (zerr) {
    const where = (err as { validationContext?: string }).validationContext ?? 'request';
    const errors = zerr.issues.map((i) => ({ path: [where, ...i.path.map(String)].join('.'), message: i.message }));
    const detail = errors.map((e) => `${e.path}: ${e.message}`).join('; ');
    return { ...problem(400, 'REQUEST_INVALID', detail, req), errors };
  }
  const status = err.statusCode ?? 500;
  if (status < 500) return problem(status, err.code ?? 'REQUEST_INVALID', err.message, req);
  return problem(500, 'INTERNAL', `internal error (request ${req.id}); see the daemon log`, req);
}

function problem(status: number, code: string, detail: string, req: FastifyRequest): Problem {
  return { type: TYPE_BASE + code, title: code.toLowerCase().replace(/_/g, ' '), status, detail, instance: String(req.id), code };
}
