// Config for Prisma 6's CLI (aliased `prisma6`), used only to diff migrations with its WASM schema engine
// against throw-away in-memory PGlite databases: no server, no native engine download.
import { PGlite } from '@electric-sql/pglite';
import { PrismaPGlite } from 'pglite-prisma-adapter';

const schema = process.env.OPERATE_PRISMA6_SCHEMA;
if (!schema) throw new Error('OPERATE_PRISMA6_SCHEMA is not set (run through scripts/db-migration.mjs)');

// The adapter sends argument-less scripts through a prepared statement, which PGlite refuses when the
// script holds several commands; PGlite's exec() runs them as a simple query instead.
function routeScriptsToExec(pglite, adapter) {
  const wrap = (queryable) =>
    new Proxy(queryable, {
      get(target, prop, receiver) {
        if (prop === 'executeScript') {
          return async (script) => {
            await pglite.exec(script);
          };
        }
        if (prop === 'executeRaw' || prop === 'queryRaw') {
          const original = Reflect.get(target, prop, receiver).bind(target);
          return async (query) => {
            if (query.args.length === 0 && query.sql.includes(';')) {
              const results = await pglite.exec(query.sql);
              const last = results.at(-1);
              if (prop === 'executeRaw') return last?.affectedRows ?? 0;
              return { columnNames: [], columnTypes: [], rows: [] };
            }
            return original(query);
          };
        }
        if (prop === 'startTransaction') {
          const original = Reflect.get(target, prop, receiver).bind(target);
          return async (...args) => wrap(await original(...args));
        }
        const value = Reflect.get(target, prop, receiver);
        return typeof value === 'function' ? value.bind(target) : value;
      },
    });
  return wrap(adapter);
}

function factory() {
  const make = async () => {
    const pglite = new PGlite();
    const adapter = await new PrismaPGlite(pglite).connect();
    return routeScriptsToExec(pglite, adapter);
  };
  return {
    provider: 'postgres',
    adapterName: 'pglite-prisma-adapter',
    connect: make,
    connectToShadowDb: make,
  };
}

export default {
  schema,
  experimental: { adapter: true },
  engine: 'js',
  adapter: async () => factory(),
};
