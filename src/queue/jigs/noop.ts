import { z } from 'zod';
import { ARG_KEY, type Jig } from './types.js';

/** Succeeds at once: for tests, benchmarks and dependency-only chain steps. */
export const noopJig: Jig<Record<string, string>> = {
  name: 'noop',
  summary: 'succeed at once (tests, benchmarks)',
  args: z.record(z.string().regex(ARG_KEY), z.string()),
  defaultTimeoutSeconds: 60,
  async run() {
    return { kind: 'succeeded' };
  },
};
