import type { FastifyInstance } from 'fastify';
import { z } from 'zod';

/**
 * Route schemas are zod schemas: requests are parsed (and coerced) by them, responses are
 * parsed by them before serialization, so no field leaks that the schema does not name.
 * Every request part is first checked for NUL characters (see nulIssue).
 */
export function useZod(app: FastifyInstance): void {
  app.setValidatorCompiler(({ schema }) => {
    const s = schema as z.ZodType;
    return (data: unknown) => {
      const nul = nulIssue(data);
      if (nul) return { error: new z.ZodRealError([nul]) };
      const r = s.safeParse(data);
      return r.success ? { value: r.data } : { error: r.error };
    };
  });
  app.setSerializerCompiler(({ schema }) => {
    const s = schema as z.ZodType;
    return (data: unknown) => JSON.stringify(s.parse(data));
  });
}

/** A query value that may be given once or repeated (`?n=a&n=b`), always an array. */
export const repeated = z
  .union([z.string(), z.array(z.string())])
  .optional()
  .transform((v) => (v === undefined ? [] : Array.isArray(v) ? v : [v]));

/** `?flag=1|true|yes` as a boolean. */
export const queryBool = z
  .enum(['1', '0', 'true', 'false', 'yes', 'no'])
  .optional()
  .transform((v) => v === '1' || v === 'true' || v === 'yes');

/**
 * The first string (value or object key) in a request part that holds U+0000, as a zod issue.
 * PostgreSQL cannot store NUL in text or jsonb, so such a request would fail in SQL as a 500;
 * checking every part here covers every route, present and future, in one place. The path is
 * one array pushed and popped on the way (copied only for the issue): a 100,000-node body
 * costs no array per element.
 */
function nulIssue(data: unknown, path: PropertyKey[] = []): z.core.$ZodIssue | null {
  if (typeof data === 'string') {
    return data.includes('\u0000') ? { code: 'custom', path: [...path], message: 'contains a NUL character (\\0), which muster does not accept', input: data } : null;
  }
  if (data === null || typeof data !== 'object') return null;
  if (Array.isArray(data)) {
    for (let i = 0; i < data.length; i++) {
      path.push(i);
      const issue = nulIssue(data[i], path);
      path.pop();
      if (issue) return issue;
    }
    return null;
  }
  for (const k in data) {
    if (!Object.hasOwn(data, k)) continue;
    if (k.includes('\u0000')) return nulIssue(k, path);
    path.push(k);
    const issue = nulIssue((data as Record<string, unknown>)[k], path);
    path.pop();
    if (issue) return issue;
  }
  return null;
}
