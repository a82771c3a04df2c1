import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { useBigBodies, validatedBefore } from './big-body.js';
import { nulIssue } from './nul.js';

/**
 * Route schemas are zod schemas: requests are parsed (and coerced) by them, responses are
 * parsed by them before serialization, so no field leaks that the schema does not name.
 * Every request part is first checked for NUL characters (see nulIssue).
 */
export function useZod(app: FastifyInstance): void {
  useBigBodies(app);
  app.setValidatorCompiler(({ schema }) => {
    const s = schema as z.ZodType;
    return (data: unknown) => {
      const done = validatedBefore(data);
      if (done) return done;
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
