import pg from "pg";

/** What `pg` hands a query when the server is ready for `COPY … FROM STDIN` data. */
interface CopyConnection {
  sendCopyFromChunk(chunk: Buffer): void;
  endCopyFrom(): void;
}

/** Bytes per `CopyData` message: large enough to be few, small enough not to hold one huge buffer twice. */
const CHUNK = 1 << 20;

/** `COPY … FROM STDIN` of text already in the table's `COPY` format, as one query of `pg`'s. */
class CopyFromText extends pg.Query {
  readonly #data: string;

  constructor(sql: string, data: string) {
    super(sql);
    this.#data = data;
  }

  handleCopyInResponse(connection: CopyConnection): void {
    const bytes = Buffer.from(this.#data);
    for (let i = 0; i < bytes.length; i += CHUNK) connection.sendCopyFromChunk(bytes.subarray(i, i + CHUNK));
    connection.endCopyFrom();
  }
}

/**
 * Runs `sql` (`COPY table FROM STDIN`) with `data` as its input and resolves to the rows copied.
 * `data` is the whole input at once: the caller already holds it as one string.
 */
export function copyFromText(client: pg.ClientBase, sql: string, data: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const query = new CopyFromText(sql, data);
    query.once("error", reject);
    query.once("end", (result: pg.QueryResult) => resolve(result.rowCount ?? 0));
    client.query(query);
  });
}
