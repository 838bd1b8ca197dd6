/**
 * Many task rows in ONE statement on sqlite: `INSERT ... VALUES (...), (...) RETURNING id, task_id`.
 * A statement is its own implicit transaction, so a burst of submissions costs one trip to the
 * driver's thread and one WAL fsync instead of BEGIN, an INSERT per row and COMMIT, each a hop
 * through the event loop; synchronous stays FULL, so every row is durable when the call resolves.
 *
 * The statement goes to node-sqlite3 directly: TypeORM runs any INSERT with `run()`, which drops
 * RETURNING rows. Column names and value conversion still come from TypeORM's metadata, so the
 * rows stored are exactly what the query builder would have written. Statements stay prepared per
 * row count while submissions keep coming (a fresh one costs a second trip to the driver's thread),
 * and are finalized after a quiet second and before the connection closes: sqlite refuses to close
 * a connection with a statement left open.
 */
import type { DataSource } from 'typeorm';
import type { ColumnMetadata } from 'typeorm/metadata/ColumnMetadata.js';
import { beforeClose } from './close-hooks.ts';
import { TaskEntity, type NewTaskRow } from './entities/task.entity.ts';

type RowsCallback = (error: Error | null, rows: unknown[]) => void;

/** The parts of node-sqlite3's Statement and Database used here. */
interface SqliteStatement {
  all(params: unknown[], callback: RowsCallback): void;
  finalize(callback: () => void): void;
}
interface SqliteConnection {
  all(sql: string, params: unknown[], callback: RowsCallback): void;
  prepare(sql: string, callback: (error: Error | null) => void): SqliteStatement;
}

const QUIET_MS = 1000;
/** Row counts with a statement kept (bursts repeat a few sizes); the oldest goes first. */
const STATEMENTS_KEPT = 32;

/** sqlite allows 32766 host parameters (since 3.32); 500 rows of the task table stay far below. */
export const ROWS_PER_STATEMENT = 500;

export class SqliteTaskBatchInsert {
  private readonly columns: ColumnMetadata[];
  private readonly head: string;
  private readonly tuple: string;
  private readonly statements = new Map<number, Promise<SqliteStatement>>();
  private quietTimer: NodeJS.Timeout | undefined;
  private isClosing = false;

  constructor(private readonly dataSource: DataSource) {
    beforeClose(dataSource, () => {
      this.isClosing = true;
      return this.finalizeStatements();
    });
    const metadata = dataSource.getMetadata(TaskEntity);
    this.columns = metadata.columns.filter((column) => !column.isGenerated);
    const names = this.columns.map((column) => `"${column.databaseName}"`).join(', ');
    this.head = `INSERT INTO "${metadata.tableName}" (${names}) VALUES `;
    this.tuple = `(${this.columns.map(() => '?').join(', ')})`;
  }

  /**
   * Inserts the rows (at most ROWS_PER_STATEMENT) in one statement and answers each new row id by
   * its task id (sqlite does not promise RETURNING rows in VALUES order). A rejection means the
   * statement failed as a whole: sqlite backs a failed statement out entirely, nothing was written.
   */
  async insert(rows: NewTaskRow[]): Promise<Map<string, number>> {
    if (rows.length === 0) return new Map();
    if (rows.length > ROWS_PER_STATEMENT) throw new Error(`at most ${ROWS_PER_STATEMENT} rows per statement`);
    const { driver } = this.dataSource;
    const params: unknown[] = [];
    for (const row of rows) {
      for (const column of this.columns) params.push(driver.preparePersistentValue(column.getEntityValue(row), column));
    }
    const statement = this.isClosing ? null : await this.statementFor(rows.length);
    const returned = await new Promise<unknown[]>((resolve, reject) => {
      const callback: RowsCallback = (error, result) => (error ? reject(error) : resolve(result));
      if (statement) statement.all(params, callback);
      else this.connection().all(this.sqlFor(rows.length), params, callback);
    });
    this.finalizeWhenQuiet();
    return new Map((returned as Array<{ id: number; task_id: string }>).map((r) => [r.task_id, Number(r.id)]));
  }

  private connection(): SqliteConnection {
    return (this.dataSource.driver as unknown as { databaseConnection: SqliteConnection }).databaseConnection;
  }

  private sqlFor(rowCount: number): string {
    return `${this.head}${Array(rowCount).fill(this.tuple).join(', ')} RETURNING "id", "task_id"`;
  }

  /**
   * The statement for `rowCount` rows, once prepared. node-sqlite3 never answers the calls made on a
   * statement whose prepare failed, so none is made before the prepare has answered; a failed one
   * is dropped and tried again by the next batch.
   */
  private statementFor(rowCount: number): Promise<SqliteStatement> {
    const kept = this.statements.get(rowCount);
    if (kept) return kept;
    const prepared = new Promise<SqliteStatement>((resolve, reject) => {
      const statement = this.connection().prepare(this.sqlFor(rowCount), (error) => {
        if (!error) return resolve(statement);
        if (this.statements.get(rowCount) === prepared) this.statements.delete(rowCount);
        reject(error);
      });
    });
    this.statements.set(rowCount, prepared);
    if (this.statements.size > STATEMENTS_KEPT) {
      const [oldestCount, oldest] = this.statements.entries().next().value as [number, Promise<SqliteStatement>];
      this.statements.delete(oldestCount);
      void finalize(oldest);
    }
    return prepared;
  }

  private finalizeWhenQuiet(): void {
    if (this.quietTimer) {
      this.quietTimer.refresh();
      return;
    }
    this.quietTimer = setTimeout(() => {
      this.quietTimer = undefined;
      void this.finalizeStatements();
    }, QUIET_MS);
    this.quietTimer.unref();
  }

  /** node-sqlite3 runs a finalize after the statement's pending calls, so one in flight still answers. */
  private async finalizeStatements(): Promise<void> {
    clearTimeout(this.quietTimer);
    this.quietTimer = undefined;
    const statements = [...this.statements.values()];
    this.statements.clear();
    await Promise.all(statements.map(finalize));
  }
}

/** Finalizes a kept statement (one whose prepare failed needs nothing). */
async function finalize(prepared: Promise<SqliteStatement>): Promise<void> {
  const statement = await prepared.catch(() => null);
  if (statement) await new Promise<void>((resolve) => statement.finalize(resolve));
}
