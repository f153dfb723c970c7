import type { Knex } from 'knex';

const SQL = Symbol('sql');

/**
 * A piece of SQL with its values kept apart from its text: `sql\`… where id = ${id}\`` never puts
 * `id` into the text. Pieces nest (`sql\`select … ${where}\``), and placeholders are numbered only
 * when the whole statement is run, so no one counts `$1`, `$2` … by hand.
 */
export interface Sql {
  readonly [SQL]: true;
  /** Text around the values: always one more than `values`. */
  readonly strings: readonly string[];
  readonly values: readonly unknown[];
}

const isSql = (value: unknown): value is Sql => typeof value === 'object' && value !== null && SQL in value;

export function sql(strings: TemplateStringsArray | readonly string[], ...values: unknown[]): Sql {
  const text = [strings[0]!];
  const flat: unknown[] = [];
  values.forEach((value, index) => {
    if (isSql(value)) {
      text[text.length - 1] += value.strings[0]!;
      value.values.forEach((inner, at) => {
        flat.push(inner);
        text.push(value.strings[at + 1]!);
      });
      text[text.length - 1] += strings[index + 1]!;
    } else {
      flat.push(value);
      text.push(strings[index + 1]!);
    }
  });
  return { [SQL]: true, strings: text, values: flat };
}

/** Trusted SQL text, such as a list of columns written in the code: never anything a client sent. */
sql.raw = (text: string): Sql => sql([text]);

/** `pieces` one after another with `separator` (SQL text) between them. */
sql.join = (pieces: readonly Sql[], separator: string): Sql =>
  pieces.length === 0 ? sql.raw('') : sql(['', ...pieces.slice(1).map(() => separator), ''], ...pieces);

/** The statement's text with `$1`, `$2` … placeholders, and its values in order. */
function statement(query: Sql): { text: string; values: unknown[] } {
  let text = query.strings[0]!;
  query.values.forEach((_, index) => (text += `$${index + 1}${query.strings[index + 1]!}`));
  return { text, values: [...query.values] };
}

interface PgConnection {
  query(config: { name?: string; text: string; values: unknown[] }, done: (error: Error | null, result: { rows: unknown[] }) => void): void;
}

/** Statement names by SQL text: a handful of shapes, each prepared once per connection. */
const statementNames = new Map<string, string>();

function statementName(text: string): string {
  let name = statementNames.get(text);
  if (name === undefined) {
    name = `fixed_${statementNames.size + 1}`;
    statementNames.set(text, name);
  }
  return name;
}

/**
 * The rows of `query`, run on a connection of knex's pool but straight through the `pg` driver,
 * by default as a named statement, which PostgreSQL parses once per connection and, after a few
 * runs, may stop planning with the values given (a generic plan). knex's runner and its query
 * events, and the parsing and planning on every request, were a fifth of a list request's CPU
 * (`npm run bench`): this is for the busiest queries. Give `prepared: false` to a query whose
 * best plan depends on its values (how common a category is): it is parsed and planned each
 * time. Anyone listening to knex's `query` event (debugging, tests) still hears these queries.
 */
export async function queryRows<T>(knex: Knex, query: Sql, { prepared = true } = {}): Promise<T[]> {
  const { text, values } = statement(query);
  const name = prepared ? statementName(text) : undefined;
  if (knex.listenerCount('query') > 0) knex.client.emit('query', { sql: text, bindings: values, method: 'raw', prepared });
  const connection = (await knex.client.acquireConnection()) as PgConnection;
  try {
    // pg's callback, not its promise: with the promise every list's rows outlived young-generation
    // collections (see src/db/query-deadlines.ts), for reasons inside pg's query path.
    return await new Promise<T[]>((resolve, reject) => {
      connection.query({ name, text, values }, (error, result) => (error ? reject(error) : resolve(result.rows as T[])));
    });
  } finally {
    knex.client.releaseConnection(connection);
  }
}
