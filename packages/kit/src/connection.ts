import 'reflect-metadata';
import { type EntityName, type FilterQuery, type FindOptions, raw } from '@mikro-orm/core';
import type { EntityManager } from '@mikro-orm/postgresql';
import { ArgsType, type ClassType, Directive, Field, InputType, Int, ObjectType, registerEnumType } from 'type-graphql';
import { badInput } from './errors';
import { parseIntIdArg } from './ids';
import type { Principal } from './internal-auth';
import { callerScope } from './tenancy';

/**
 * Relay connections (the GraphQL Cursor Connections spec) for every list of entities in the graph, paged by keyset
 * (seek) over (created-at, id): a page is "the next N rows after this row", never "skip M rows", so a page costs
 * the same at row 10 as at row 10,000 and rows inserted between two requests never shift or repeat a page.
 */

/** Rows in a page when the client gives neither `first` nor `last`. */
export const DEFAULT_PAGE_SIZE = 20;
/** The largest `first`/`last` a client may ask for; more is refused, not silently cut. */
export const MAX_PAGE_SIZE = 100;

/** The page position of a connection: one value for the whole graph, so every subgraph declares it identically. */
@Directive('@shareable')
@ObjectType({ description: 'Where a page of a connection sits in the whole list, and the cursors to move on from it' })
export class PageInfo {
  @Field({ description: 'Whether rows follow this page: ask for them with `first` and `after: endCursor`' })
  hasNextPage!: boolean;

  @Field({ description: 'Whether rows precede this page: ask for them with `last` and `before: startCursor`' })
  hasPreviousPage!: boolean;

  @Field(() => String, {
    nullable: true,
    description: 'The cursor of the first row of this page; null when it is empty',
  })
  startCursor!: string | null;

  @Field(() => String, {
    nullable: true,
    description: 'The cursor of the last row of this page; null when it is empty',
  })
  endCursor!: string | null;
}

/** Which way a list is ordered by its creation time; the id breaks ties, so the order is total. */
export enum SortDirection {
  ASC = 'ASC',
  DESC = 'DESC',
}
registerEnumType(SortDirection, {
  name: 'SortDirection',
  description: 'The order of a list by creation time',
  valuesConfig: {
    ASC: { description: 'Oldest first' },
    DESC: { description: 'Newest first' },
  },
});

/**
 * The `orderBy` values of a list ordered by creation time (`OrderOrder`, `PaymentOrder`): each list names its own
 * enum, so a list can gain an order of its own without touching the others.
 */
export const CREATED_AT_ORDER_VALUES = {
  CREATED_AT_ASC: { description: 'Oldest first (by creation time; the id breaks ties)' },
  CREATED_AT_DESC: { description: 'Newest first (by creation time; the id breaks ties)' },
};

/** The direction of an `orderBy` value of {@link CREATED_AT_ORDER_VALUES}, or `fallback` without one. */
export const createdAtDirection = (order: string | null | undefined, fallback: SortDirection): SortDirection =>
  order === 'CREATED_AT_ASC' ? SortDirection.ASC : order === 'CREATED_AT_DESC' ? SortDirection.DESC : fallback;

/** The creation-time range of a list filter, half-open: `createdAfter` <= created at < `createdBefore`. */
@InputType()
export abstract class CreatedAtRange {
  @Field(() => Date, { nullable: true, description: 'Only rows created at or after this instant' })
  createdAfter?: Date | null;

  @Field(() => Date, { nullable: true, description: 'Only rows created before this instant' })
  createdBefore?: Date | null;
}

/** The condition a {@link CreatedAtRange} puts on a list's creation time (`key`); none when it is open. */
export function createdWithin(range: CreatedAtRange | null | undefined, key = 'createdAt'): Record<string, unknown> {
  const bounds = {
    ...(range?.createdAfter ? { $gte: range.createdAfter } : {}),
    ...(range?.createdBefore ? { $lt: range.createdBefore } : {}),
  };
  return Object.keys(bounds).length ? { [key]: bounds } : {};
}

/** The conditions of a list filter: its `status` (any of them) and its creation-time range. */
export function listFilterWhere(
  filter: (CreatedAtRange & { status?: readonly string[] | null }) | null | undefined,
  key = 'createdAt',
): Record<string, unknown> {
  return { ...(filter?.status ? { status: { $in: [...filter.status] } } : {}), ...createdWithin(filter, key) };
}

/**
 * The conditions of a root list (Query.orders, Query.payments): the caller's scope (tenant, and a POS user's own
 * locations), the filter's statuses and creation range, and the locations it names, which narrow the scope and never
 * widen it.
 */
export function callerListWhere(
  principal: Principal,
  filter: (CreatedAtRange & { status?: readonly string[] | null; locationIds?: readonly string[] | null }) | null,
): Record<string, unknown> {
  const locationIds = filter?.locationIds?.map((id, i) => parseIntIdArg(id, `filter.locationIds[${i}]`));
  return {
    $and: [
      { ...callerScope(principal), ...listFilterWhere(filter) },
      locationIds ? { locationId: { $in: locationIds } } : {},
    ],
  };
}

/** `first`/`after` and `last`/`before`, as every connection field takes them. */
@ArgsType()
export class ConnectionArgs {
  @Field(() => Int, {
    nullable: true,
    description: `How many rows to return from the start of the list (or after \`after\`): 0 to ${MAX_PAGE_SIZE}; ${DEFAULT_PAGE_SIZE} when neither first nor last is given`,
  })
  first?: number | null;

  @Field(() => String, {
    nullable: true,
    description: 'Return the rows after this cursor (a `cursor` or `pageInfo.endCursor` of this same list)',
  })
  after?: string | null;

  @Field(() => Int, {
    nullable: true,
    description: `How many rows to return from the end of the list (or before \`before\`): 0 to ${MAX_PAGE_SIZE}; not together with first`,
  })
  last?: number | null;

  @Field(() => String, {
    nullable: true,
    description: 'Return the rows before this cursor (a `cursor` or `pageInfo.startCursor` of this same list)',
  })
  before?: string | null;
}

/** One row of a connection and the cursor that points at it. */
export interface Edge<T> {
  cursor: string;
  node: T;
}

/** What a connection field resolves to; `totalCount` runs its count only when the client selects it. */
export interface ConnectionPage<T> {
  edges: Edge<T>[];
  nodes: T[];
  pageInfo: PageInfo;
  readonly totalCount: Promise<number> | number;
}

/**
 * The `XConnection` and `XEdge` object types of a node type, e.g.
 * `@ObjectType() class PaymentConnection extends Connection(Payment, 'payments') {}`.
 */
export function Connection<T extends object>(node: ClassType<T>, plural: string) {
  const name = node.name;

  @ObjectType(`${name}Edge`, { description: `One of a page of ${plural}, with its cursor` })
  class EdgeType {
    @Field({ description: 'Pass this as `after` (or `before`) to continue the list from this row' })
    cursor!: string;

    @Field(() => node, { description: `The row itself` })
    node!: T;
  }

  @ObjectType()
  abstract class ConnectionType {
    @Field(() => [EdgeType], { description: `This page of ${plural}, each with its cursor` })
    edges!: EdgeType[];

    @Field(() => [node], { description: `This page of ${plural}, without cursors (the nodes of \`edges\`)` })
    nodes!: T[];

    @Field(() => PageInfo, {
      description: 'Whether more rows follow or precede this page, and the cursors to get them',
    })
    pageInfo!: PageInfo;

    @Field(() => Int, { description: `How many ${plural} the whole list holds under the same filter (not the page)` })
    totalCount!: number;
  }
  return ConnectionType;
}

/** A cursor's payload: the version of the format, the row's creation time (ISO) and its id. */
const CURSOR_VERSION = 1;

/** An opaque cursor: base64url of the versioned (created-at, id) tuple of a row. */
export const encodeCursor = (createdAt: Date, id: string): string =>
  Buffer.from(JSON.stringify([CURSOR_VERSION, createdAt.toISOString(), id])).toString('base64url');

/** The position a cursor names, or a BAD_USER_INPUT error for anything this module did not write. */
export function decodeCursor(cursor: string, argument: string): { createdAt: Date; id: string } {
  let tuple: unknown;
  try {
    tuple = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    tuple = null;
  }
  if (Array.isArray(tuple) && tuple.length === 3 && tuple[0] === CURSOR_VERSION) {
    const [, at, id] = tuple as [number, unknown, unknown];
    const createdAt = typeof at === 'string' ? new Date(at) : null;
    if (createdAt && !Number.isNaN(createdAt.getTime()) && typeof id === 'string' && id.length <= 64) {
      return { createdAt, id };
    }
  }
  throw badInput(`${argument} is not a cursor of this list`, [`${argument}: not a cursor this API returned`]);
}

const sizeProblems = (value: number | null | undefined, name: string): string[] =>
  value == null || (Number.isInteger(value) && value >= 0 && value <= MAX_PAGE_SIZE)
    ? []
    : [`${name}: must be between 0 and ${MAX_PAGE_SIZE} (was ${value}); page with after/before for more`];

/** A checked page request: how many rows, from which end, from which position. */
export interface PageRequest {
  size: number;
  /** true: rows from the end of the list (`last`/`before`), returned in list order all the same. */
  backward: boolean;
  after: { createdAt: Date; id: string } | null;
  before: { createdAt: Date; id: string } | null;
}

/** Checks connection arguments: `first`/`last` within 0..{@link MAX_PAGE_SIZE}, not both, cursors well-formed. */
export function pageRequest(args: ConnectionArgs): PageRequest {
  const problems = [...sizeProblems(args.first, 'first'), ...sizeProblems(args.last, 'last')];
  if (args.first != null && args.last != null) problems.push('last: give first or last, not both');
  if (problems.length) throw badInput(`Invalid page size: ${problems.join('; ')}`, problems);
  const backward = args.last != null;
  return {
    size: (backward ? args.last : args.first) ?? DEFAULT_PAGE_SIZE,
    backward,
    after: args.after ? decodeCursor(args.after, 'after') : null,
    before: args.before ? decodeCursor(args.before, 'before') : null,
  };
}

/** How {@link paginate} reads one list. */
export interface PaginateOptions<T extends object> {
  /** The entity property holding the creation time (`createdAt`, `issuedAt`); with `id`, the keyset. */
  createdAt?: keyof T & string;
  /**
   * What orders rows created at the same time (and what a cursor holds beside the time): `id` unless the list has a
   * more natural unique key (a location's checks: their posRef).
   */
  tiebreak?: keyof T & string;
  /** The list's order; DESC (newest first) unless said otherwise. */
  direction?: SortDirection | 'ASC' | 'DESC';
  /** Relations to load with the rows, as MikroORM's `populate` names them. */
  populate?: readonly string[];
  /** How MikroORM loads them (`select-in` keeps the page's LIMIT off the joined collections). */
  strategy?: 'select-in' | 'joined';
}

/**
 * One page of a list of entities, by keyset over (createdAt, id) (an index on `(scope…, created_at, id)` serves it).
 * The services write creation times from JS Dates (milliseconds), which is exactly what a cursor holds; a column
 * filled by the database's microsecond `now()` would need its cursor to carry the microseconds too. Reads them
 * under `where`, which must hold the caller's tenant scope: a cursor is only a position, so a cursor taken from
 * another tenant's list still finds only rows `where` lets through. Reads `size + 1` rows to know whether more
 * follow; `totalCount` counts under the same `where` only when it is read.
 */
export async function paginate<T extends { id: string | number }>(
  em: EntityManager,
  entity: EntityName<T>,
  where: FilterQuery<T>,
  args: ConnectionArgs | PageRequest,
  options: PaginateOptions<T> = {},
): Promise<ConnectionPage<T>> {
  const page = 'size' in args ? args : pageRequest(args);
  const key = options.createdAt ?? ('createdAt' as keyof T & string);
  const descending = (options.direction ?? SortDirection.DESC) === SortDirection.DESC;
  // Read towards the requested end: forwards in list order, or backwards from the end for `last`.
  const readDescending = descending !== page.backward;
  const tie = options.tiebreak ?? 'id';
  const bounds = [where, ...keysetBounds<T>(page, key, tie, descending)];
  const order = readDescending ? 'desc' : 'asc';
  const rows =
    page.size === 0
      ? []
      : await em.find(
          entity,
          { $and: bounds } as FilterQuery<T>,
          {
            orderBy: { [key]: order, [tie]: order },
            limit: page.size + 1,
            populate: options.populate,
            ...(options.strategy ? { strategy: options.strategy } : {}),
          } as FindOptions<T>,
        );
  return pageOf(em, entity, where, page, key, tie, rows);
}

/** The bounds `after` and `before` put on a keyset read: rows past `after` and short of `before` in list order. */
function keysetBounds<T>(page: PageRequest, key: string, tie: string, descending: boolean): FilterQuery<T>[] {
  const bounds: FilterQuery<T>[] = [];
  const seek = (cursor: { createdAt: Date; id: string }, later: boolean) => {
    const op = later ? '$gt' : '$lt';
    const inclusive = later ? '$gte' : '$lte';
    // The first bound alone lets an index range scan start at the cursor; the $or breaks ties on the id.
    bounds.push({ [key]: { [inclusive]: cursor.createdAt } } as FilterQuery<T>);
    bounds.push({
      $or: [{ [key]: { [op]: cursor.createdAt } }, { [key]: cursor.createdAt, [tie]: { [op]: cursor.id } }],
    } as FilterQuery<T>);
  };
  if (page.after) seek(page.after, !descending);
  if (page.before) seek(page.before, descending);
  return bounds;
}

/** A page from the `size + 1` rows read towards the requested end (see {@link paginate}). */
function pageOf<T extends { id: string | number }>(
  em: EntityManager,
  entity: EntityName<T>,
  where: FilterQuery<T>,
  page: PageRequest,
  key: string,
  tie: string,
  rows: T[],
  count?: () => Promise<number>,
): ConnectionPage<T> {
  const more = rows.length > page.size;
  const kept = more ? rows.slice(0, page.size) : rows;
  if (page.backward) kept.reverse();
  const edges = kept.map((node) => ({
    cursor: encodeCursor(
      (node as Record<string, unknown>)[key] as Date,
      String((node as Record<string, unknown>)[tie]),
    ),
    node,
  }));
  let counted: Promise<number> | null = null;
  return {
    edges,
    nodes: kept,
    pageInfo: {
      hasNextPage: page.backward ? page.before != null : more,
      hasPreviousPage: page.backward ? more : page.after != null,
      startCursor: edges[0]?.cursor ?? null,
      endCursor: edges.at(-1)?.cursor ?? null,
    },
    get totalCount() {
      counted ??= count ? count() : em.count(entity, where);
      return counted;
    },
  };
}

/**
 * The same page of many parents' lists (every Location's checks of one request) in one query: a window over the
 * parent's rows numbered in list order, keeping `size + 1` of each; `totalCount` is one grouped count for them all,
 * run when the first is read. `parent` names the property that holds the parent's key.
 */
export async function paginateMany<T extends { id: string | number }, K extends string | number>(
  em: EntityManager,
  entity: EntityName<T>,
  parent: keyof T & string,
  parents: readonly K[],
  where: FilterQuery<T>,
  args: ConnectionArgs | PageRequest,
  options: PaginateOptions<T> = {},
): Promise<Map<K, ConnectionPage<T>>> {
  const page = 'size' in args ? args : pageRequest(args);
  const key = options.createdAt ?? ('createdAt' as keyof T & string);
  const descending = (options.direction ?? SortDirection.DESC) === SortDirection.DESC;
  const order = descending !== page.backward ? 'desc' : 'asc';
  const tie = options.tiebreak ?? 'id';
  const meta = em.getMetadata().get((entity as { name?: string }).name ?? String(entity));
  const column = (property: string) => meta.properties[property].fieldNames[0];
  const scoped = { $and: [where, { [parent]: { $in: [...parents] } }] } as FilterQuery<T>;
  let ids: string[] = [];
  if (page.size > 0 && parents.length) {
    const numbered = em
      .createQueryBuilder(entity, 'e')
      .select([
        'e.id',
        raw(
          `row_number() over (partition by e.${column(parent)} order by e.${column(key)} ${order}, e.${column(tie)} ${order}) as n`,
        ),
      ])
      .where({ $and: [scoped, ...keysetBounds<T>(page, key, tie, descending)] } as FilterQuery<T>);
    const knex = em.getKnex();
    const rows: { id: string }[] = await em.getConnection().execute(
      knex
        .select('id')
        .from(numbered.getKnexQuery().as('t'))
        .where('n', '<=', page.size + 1),
    );
    ids = rows.map((row) => row.id);
  }
  const rows = ids.length
    ? await em.find(
        entity,
        { id: { $in: ids } } as unknown as FilterQuery<T>,
        {
          orderBy: { [key]: order, [tie]: order },
          populate: options.populate,
          ...(options.strategy ? { strategy: options.strategy } : {}),
        } as FindOptions<T>,
      )
    : [];
  let counts: Promise<Map<unknown, number>> | null = null;
  const countOf = (of: K) => async () => {
    counts ??= em
      .createQueryBuilder(entity, 'e')
      .select([`e.${parent}`, raw('count(*)::int as n')])
      .where(scoped)
      .groupBy(`e.${parent}`)
      .execute<Record<string, unknown>[]>('all', false)
      .then((groups) => new Map(groups.map((g) => [String(g[column(parent)]), Number(g.n)])));
    return (await counts).get(String(of)) ?? 0;
  };
  const byParent = new Map<K, T[]>(parents.map((id) => [id, []]));
  for (const row of rows) {
    const of = (row as Record<string, unknown>)[parent];
    byParent.get((typeof of === 'object' && of ? (of as { id: K }).id : of) as K)?.push(row);
  }
  return new Map(
    [...byParent].map(([id, own]) => [
      id,
      pageOf(em, entity, { $and: [where, { [parent]: id }] } as FilterQuery<T>, page, key, tie, own, countOf(id)),
    ]),
  );
}

/** An empty page, after the same argument checks: a list the caller may not read, or one that cannot hold rows. */
export function emptyConnection<T>(args: ConnectionArgs): ConnectionPage<T> {
  pageRequest(args);
  return {
    edges: [],
    nodes: [],
    pageInfo: { hasNextPage: false, hasPreviousPage: false, startCursor: null, endCursor: null },
    totalCount: 0,
  };
}
