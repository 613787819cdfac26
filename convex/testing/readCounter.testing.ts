/**
 * Counts the documents a function reads, which convex-test does not report: `ctx.db` wrapped so
 * that every `get` and every document a query yields (`collect`, `take`, `first`, `unique`,
 * `paginate`, iteration) adds to `reads`. Index range reads yield what they scan, so for them
 * this is also Convex's "documents scanned".
 */
import type { GenericDatabaseReader } from "convex/server";
import type { DataModel } from "../_generated/dataModel";

type Reader = GenericDatabaseReader<DataModel>;

export function countingReader<Db extends Reader>(db: Db): { db: Db; reads: () => number } {
  let reads = 0;
  const countQuery = (query: object): object =>
    new Proxy(query, {
      get(target, property) {
        const member: unknown = Reflect.get(target, property);
        if (typeof member !== "function") return member;
        const call = (...args: unknown[]) => (member as (...a: unknown[]) => unknown).apply(target, args);
        switch (property) {
          case "collect":
          case "take":
            return async (...args: unknown[]) => {
              const documents = (await call(...args)) as unknown[];
              reads += documents.length;
              return documents;
            };
          case "first":
          case "unique":
            return async () => {
              const document = await call();
              if (document !== null) reads++;
              return document;
            };
          case "paginate":
            return async (...args: unknown[]) => {
              const result = (await call(...args)) as { page: unknown[] };
              reads += result.page.length;
              return result;
            };
          case Symbol.asyncIterator:
            return () => {
              const iterator = call() as AsyncIterator<unknown>;
              return {
                next: async () => {
                  const step = await iterator.next();
                  if (!step.done) reads++;
                  return step;
                },
              };
            };
          default:
            return (...args: unknown[]) => countQuery(call(...args) as object);
        }
      },
    });
  const counted = new Proxy(db, {
    get(target, property) {
      if (property === "get") {
        return async (...args: unknown[]) => {
          const document: unknown = await (target.get as (...a: unknown[]) => Promise<unknown>)(...args);
          if (document !== null) reads++;
          return document;
        };
      }
      if (property === "query") return (table: string) => countQuery(target.query(table as never));
      return Reflect.get(target, property) as unknown;
    },
  });
  return { db: counted, reads: () => reads };
}
