import { randomUUID } from 'node:crypto';
import { z } from 'zod';

type Schema = {
  type?: string | string[];
  properties?: Record<string, Schema>;
  required?: string[];
  items?: Schema;
  minItems?: number;
  enum?: unknown[];
  const?: unknown;
  format?: string;
  pattern?: string;
  minimum?: number;
  exclusiveMinimum?: number;
  maximum?: number;
  minLength?: number;
  anyOf?: Schema[];
  oneOf?: Schema[];
  allOf?: Schema[];
};

const patterned: Record<string, string> = {
  '^-?\\d+\\.\\d{2}$': '12.50',
  '^[A-Z]{3}$': 'EUR',
  '^\\d{4}-\\d{2}-\\d{2}$': '2026-01-31',
  '^0\\.\\d{3}$': '0.050',
  '^\\d\\.\\d{2}$': '4.50',
};

function sample(schema: Schema): unknown {
  if (schema.const !== undefined) return schema.const;
  if (schema.enum) return schema.enum[0];
  const options = schema.anyOf ?? schema.oneOf;
  if (options) return sample(options.find((option) => option.type !== 'null') ?? options[0] ?? {});
  if (schema.allOf) return Object.assign({}, ...schema.allOf.map((part) => sample(part)));
  const type = Array.isArray(schema.type) ? schema.type.find((t) => t !== 'null') : schema.type;
  switch (type) {
    case 'object':
      return Object.fromEntries(Object.entries(schema.properties ?? {}).map(([key, value]) => [key, sample(value)]));
    case 'array':
      return Array.from({ length: schema.minItems ?? 1 }, () => sample(schema.items ?? {}));
    case 'integer':
    case 'number':
      return Math.max(schema.minimum ?? 0, schema.exclusiveMinimum === undefined ? 0 : schema.exclusiveMinimum + 1, 1);
    case 'boolean':
      return true;
    case 'string':
      if (schema.format === 'uuid') return randomUUID();
      if (schema.format === 'date-time') return new Date().toISOString();
      if (schema.pattern) {
        const known = patterned[schema.pattern];
        if (known) return known;
        throw new Error(`no sample for the pattern ${schema.pattern}: add one to sample-payloads.ts`);
      }
      return 'sample'.padEnd(schema.minLength ?? 0, 'x');
    default:
      return null;
  }
}

/** A valid value for any catalog payload schema (derived from its JSON schema, then checked by the schema itself). */
export function samplePayload<S extends z.ZodType>(schema: S): z.infer<S> {
  const value = sample(z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' }) as Schema);
  return schema.parse(value);
}
