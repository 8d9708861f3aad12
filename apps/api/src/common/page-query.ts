import { Type } from 'class-transformer';
import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsInt, IsOptional, Max, Min } from 'class-validator';
import type { Page } from '@operate/shared';

export type { Page };

/** `?page=1&pageSize=20` for every paginated list (pageSize at most 100). */
export class PageQuery {
  // Query strings arrive as text: the plugin cannot see the number behind the default, so it is stated.
  @ApiPropertyOptional({ type: 'integer', minimum: 1, default: 1 })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  page = 1;

  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(100)
  @ApiPropertyOptional({ type: 'integer', minimum: 1, maximum: 100, default: 20 })
  pageSize = 20;
}

/**
 * Fetches one page, newest first (`createdAt`, then `id` to break ties), and the total, for any model:
 * `pageOf(query, (args) => prisma.invoice.findMany({ where, ...args }), () => prisma.invoice.count({ where }), toView)`.
 */
export async function pageOf<Row, T>(
  query: PageQuery,
  fetch: (window: { skip: number; take: number; orderBy: [{ createdAt: 'desc' }, { id: 'desc' }] }) => Promise<Row[]>,
  count: () => Promise<number>,
  view: (row: Row) => T,
): Promise<Page<T>> {
  const window = {
    skip: (query.page - 1) * query.pageSize,
    take: query.pageSize,
    orderBy: [{ createdAt: 'desc' }, { id: 'desc' }] as [{ createdAt: 'desc' }, { id: 'desc' }],
  };
  const [rows, total] = await Promise.all([fetch(window), count()]);
  return { items: rows.map(view), page: query.page, pageSize: query.pageSize, total };
}
