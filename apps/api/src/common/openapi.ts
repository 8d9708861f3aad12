import { applyDecorators, SetMetadata } from '@nestjs/common';
import { ApiExtension } from '@nestjs/swagger';
import type { Page } from '@operate/shared';
import { z } from 'zod';

/** Where `Returns` keeps a route's response schema until `buildOpenApi` files it under the route's status. */
export const RETURNS = 'operate:returns';

/**
 * The response body of a route, documented from the catalog's zod schema (the one the dashboard parses).
 * The status (200, 201 or @HttpCode's) is taken from the route when the document is built, never restated.
 */
export function Returns(schema: z.ZodType): MethodDecorator {
  return SetMetadata(RETURNS, schema);
}

/** `Page<T>` of `@operate/shared` as a schema: `{ items, page, pageSize, total }`. */
export function pageOfSchema<T extends z.ZodType>(item: T) {
  return z.object({
    items: z.array(item),
    page: z.number().int().min(1),
    pageSize: z.number().int().min(1).max(100),
    total: z.number().int().nonnegative(),
  }) satisfies z.ZodType<Page<z.infer<T>>>;
}

/** Marks a route or controller as open to callers without a token in the OpenAPI document. */
export const OPENAPI_PUBLIC = 'x-public';
/** Lists the organization roles a route is limited to in the OpenAPI document. */
export const OPENAPI_ROLES = 'x-roles';
/** Lists the platform roles a route is limited to in the OpenAPI document. */
export const OPENAPI_PLATFORM_ROLES = 'x-platform-roles';

export const documentPublic = () => applyDecorators(ApiExtension(OPENAPI_PUBLIC, true));
export const documentRoles = (key: string, roles: readonly string[]) => applyDecorators(ApiExtension(key, [...roles]));
