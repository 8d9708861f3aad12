import { type ArgumentMetadata, HttpStatus, type PipeTransform } from '@nestjs/common';
import { ApiError } from './http-errors.js';

/** Deepest nesting a request body may have: the API's own bodies need four levels. */
export const MAX_BODY_DEPTH = 32;

/**
 * Runs before validation on every body, query and route parameter: refuses nesting deeper than
 * MAX_BODY_DEPTH (400 `invalid_payload`; class-transformer would recurse into it until the stack overflows) and a
 * NUL character in any string (400 naming the field; PostgreSQL cannot store it in text). Walks with a stack
 * of its own, so the check cannot overflow either.
 */
export class InputGuardPipe implements PipeTransform {
  transform(value: unknown, metadata: ArgumentMetadata): unknown {
    if (metadata.type === 'custom') return value;
    const root = metadata.data ?? '';
    const pending: { value: unknown; path: string; depth: number }[] = [{ value, path: root, depth: 0 }];
    for (let next = pending.pop(); next; next = pending.pop()) {
      const { value: current, path, depth } = next;
      if (typeof current === 'string') {
        if (current.includes('\u0000'))
          throw new ApiError(HttpStatus.BAD_REQUEST, 'validation_failed', 'The request has invalid fields', [
            { field: path || '(body)', messages: [`${path || 'the body'} must not contain a NUL character`] },
          ]);
        continue;
      }
      if (typeof current !== 'object' || current === null) continue;
      if (depth >= MAX_BODY_DEPTH)
        throw new ApiError(HttpStatus.BAD_REQUEST, 'invalid_payload', `The request nests deeper than ${MAX_BODY_DEPTH} levels`);
      for (const [key, child] of Object.entries(current))
        pending.push({ value: child, path: Array.isArray(current) ? `${path}[${key}]` : path ? `${path}.${key}` : key, depth: depth + 1 });
    }
    return value;
  }
}
