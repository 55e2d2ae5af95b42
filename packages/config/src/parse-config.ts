import { z } from 'zod';
import { configErrorFromIssues } from './config-error';

/**
 * Validates `raw` with a schema and returns the parsed value, or throws one ConfigError naming the
 * full key path of the first problem (further problems in its hint). `path` prefixes the key paths
 * when `raw` is one section of a larger config; `source` (a file name) prefixes the message. The one
 * way config sections are validated, whoever owns them.
 *
 * @example
 * const o = parseConfig(optimizationSection, { lr: 1e-3, epochs: 10 }, ['optimization']);
 * parseConfig(z.object({ lr: positive }), { lr: -1 }, ['optimization']); // ConfigError "optimization.lr: expected a number > 0, received -1."
 */
export function parseConfig<S extends z.ZodTypeAny>(schema: S, raw: unknown, path: readonly (string | number)[] = [], source?: string): z.output<S> {
  const result = schema.safeParse(raw);
  if (result.success) return result.data;
  let rootRaw = raw;
  let rootSchema: z.ZodTypeAny = schema;
  for (const key of [...path].reverse()) {
    rootRaw = typeof key === 'number' ? Object.assign([], { [key]: rootRaw }) : { [key]: rootRaw };
    rootSchema = typeof key === 'number' ? z.array(rootSchema) : z.object({ [key]: rootSchema });
  }
  const issues = result.error.issues.map((issue) => ({ ...issue, path: [...path, ...issue.path] })) as z.ZodIssue[];
  throw configErrorFromIssues(issues, rootRaw, rootSchema, source);
}
