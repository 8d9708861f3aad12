import type { Page } from '../views.js';
import type { PageParams } from './keys.js';

/** How an entity kind sits in its cached lists: identity, version, sort and filter. */
export interface EntityKind<T, P extends PageParams> {
  id(item: T): string;
  /** The entity's version: an ISO time that grows with every change (`updatedAt`). */
  version(item: T): string;
  /** The lists' sort key (newest first, then id); absent when the view lacks it: a new entity is then the newest. */
  createdAt?(item: T): string;
  /** Whether the entity, as it is now, is a member of a list with these parameters. */
  belongs(item: T, params: P): boolean;
  /** Whether a change (not a creation) can move an entity into or out of such a list. */
  filtered(params: P): boolean;
}

/** `created`: a new entity; `updated`: its new version; `removed`: it left every list (cancelled, sold out). */
export type EntityChange = 'created' | 'updated' | 'removed';

/** The page as it is after the change, or `refetch` when this client cannot tell what the page now holds. */
export type PagePatch<T> = Page<T> | 'refetch';

/** Is `a` a later version than `b`? A repeat or an older version is not. */
export function isNewer(a: string, b: string): boolean {
  return Date.parse(a) > Date.parse(b);
}

/**
 * What one change does to one cached page of a newest-first list: inserted at its place, replaced in place,
 * taken out, or `refetch` where the page's content depends on rows this client has not seen (what slides in
 * from the next page, where an entity without a sort key goes, an earlier page losing a member).
 */
export function patchPage<T, P extends PageParams>(
  page: Page<T>,
  params: P,
  kind: EntityKind<T, P>,
  item: T,
  change: EntityChange,
): PagePatch<T> {
  const id = kind.id(item);
  const index = page.items.findIndex((held) => kind.id(held) === id);
  const hasNext = page.total > page.page * page.pageSize;
  const member = change !== 'removed' && kind.belongs(item, params);

  if (index >= 0) {
    // Older than what the page holds, or the same version again (a duplicate, or the echo of one's own change).
    if (!isNewer(kind.version(item), kind.version(page.items[index]!))) return page;
    if (member) return { ...page, items: page.items.map((held, at) => (at === index ? item : held)) };
    return hasNext ? 'refetch' : { ...page, items: page.items.filter((_, at) => at !== index), total: page.total - 1 };
  }

  if (!member) {
    if (change === 'created' || params.page === 1) return page;
    // An unfiltered list keeps its members through an update; the entity is on another page.
    if (change === 'updated' && !kind.filtered(params)) return page;
    // It may have left an earlier page, which shifts this one, unless it sorts after everything here.
    const last = page.items.at(-1);
    if (kind.createdAt && last !== undefined && sortsBefore(kind, last, item)) return page;
    return 'refetch';
  }

  if (change === 'updated' && !kind.filtered(params)) return page;
  if (!kind.createdAt) {
    // A new entity is the newest: it opens page 1 and pushes every later page along by one.
    if (change === 'created' && params.page === 1) return insertAt(page, 0, item);
    return 'refetch';
  }
  const at = page.items.findIndex((held) => sortsBefore(kind, item, held));
  const position = at < 0 ? page.items.length : at;
  // It belongs before this page's first row: on an earlier page, so this page shifts by one it does not hold.
  if (position === 0 && params.page > 1) return 'refetch';
  // It belongs after this page's last row: on a later page (this page only counts it), or at this last page's end.
  if (position === page.items.length && (hasNext || page.items.length >= page.pageSize)) return { ...page, total: page.total + 1 };
  return insertAt(page, position, item);
}

function insertAt<T>(page: Page<T>, position: number, item: T): Page<T> {
  const items = [...page.items.slice(0, position), item, ...page.items.slice(position)].slice(0, page.pageSize);
  return { ...page, items, total: page.total + 1 };
}

/** Newest first, then the greater id first: the order every list endpoint returns. */
function sortsBefore<T, P extends PageParams>(kind: EntityKind<T, P>, a: T, b: T): boolean {
  const created = Date.parse(kind.createdAt!(a)) - Date.parse(kind.createdAt!(b));
  return created !== 0 ? created > 0 : kind.id(a) > kind.id(b);
}
