/**
 * Group commit on sqlite: the submissions that arrive while the previous write runs are decided and
 * stored together, so a burst pays one WAL fsync rather than one each (synchronous stays FULL: every
 * reply still follows the durable commit of its row). Without idempotency keys that is one COUNT
 * (only with a queue limit) and one multi-row INSERT; if that statement fails (it then wrote
 * nothing), or keys must be checked, the batch goes row by row in one transaction, where a failing
 * row is answered with its error and the others still commit. Batches run on the repository's
 * write chain, so ids follow call order.
 */
import type { DataSource, EntityManager } from 'typeorm';
import type { InsertOutcome, NewTask } from '../tasks/task.types.ts';
import type { NewTaskRow } from './entities/task.entity.ts';
import { ROWS_PER_STATEMENT, SqliteTaskBatchInsert } from './sqlite-batch-insert.ts';
import { newTaskRow, toTaskRecord } from './task-row-codec.ts';

/** One submission: its task, the queue limit (0 = none) and since when idempotency keys hold. */
export interface Arrival {
  task: NewTask;
  limit: number;
  keysSinceMills: number;
}

interface Waiting extends Arrival {
  resolve: (outcome: InsertOutcome) => void;
  reject: (error: unknown) => void;
}

/** What the group commit needs of the repository. */
export interface SubmissionDecider {
  /** The idempotency and room checks and the insert of one submission; `room` counts inserts within a batch. */
  decide(manager: EntityManager, arrival: Arrival, room: { unfinished: number | null }): Promise<InsertOutcome>;
  unfinishedCount(manager: EntityManager): Promise<number>;
}

export class SqliteGroupCommit {
  private waiting: Waiting[] = [];
  private readonly batchInsert: SqliteTaskBatchInsert;

  constructor(
    private readonly dataSource: DataSource,
    private readonly decider: SubmissionDecider,
    private readonly serially: (write: () => Promise<void>) => Promise<void>,
  ) {
    this.batchInsert = new SqliteTaskBatchInsert(dataSource);
  }

  submit(arrival: Arrival): Promise<InsertOutcome> {
    return new Promise<InsertOutcome>((resolve, reject) => {
      this.waiting.push({ ...arrival, resolve, reject });
      if (this.waiting.length === 1) void this.serially(() => this.commitArrivals());
    });
  }

  private async commitArrivals(): Promise<void> {
    const batch = this.waiting.splice(0);
    for (let i = 0; i < batch.length; i += ROWS_PER_STATEMENT) {
      const chunk = batch.slice(i, i + ROWS_PER_STATEMENT);
      if (chunk.some((arrival) => arrival.task.idempotency) || !(await this.insertAtOnce(chunk)))
        await this.insertRowByRow(chunk);
    }
  }

  /** The room check and one INSERT for the whole chunk; false (nothing written) if either failed. */
  private async insertAtOnce(chunk: Waiting[]): Promise<boolean> {
    const fits: Waiting[] = [];
    const full: Waiting[] = [];
    let ids: Map<string, number>;
    const rows: NewTaskRow[] = [];
    try {
      let unfinished = chunk.some((arrival) => arrival.limit > 0)
        ? await this.decider.unfinishedCount(this.dataSource.manager)
        : 0;
      for (const arrival of chunk) {
        if (arrival.limit > 0 && unfinished >= arrival.limit) {
          full.push(arrival);
          continue;
        }
        fits.push(arrival);
        rows.push(newTaskRow(arrival.task));
        unfinished += 1;
      }
      ids = await this.batchInsert.insert(rows);
    } catch {
      return false;
    }
    for (const arrival of full) arrival.resolve({ isFull: true });
    fits.forEach((arrival, i) => {
      const id = ids.get(arrival.task.taskId);
      if (id === undefined || !Number.isSafeInteger(id)) {
        arrival.reject(new Error(`task '${arrival.task.taskId}': the store returned no row id for the insert`));
        return;
      }
      try {
        arrival.resolve({ inserted: toTaskRecord({ ...rows[i], id }) });
      } catch (error) {
        arrival.reject(error);
      }
    });
    return true;
  }

  private async insertRowByRow(batch: Waiting[]): Promise<void> {
    if (batch.length === 1) {
      const [arrival] = batch;
      await this.decider
        .decide(this.dataSource.manager, arrival, { unfinished: null })
        .then(arrival.resolve, arrival.reject);
      return;
    }
    type Answer = { outcome: InsertOutcome } | { error: unknown };
    let answers: Answer[];
    try {
      answers = await this.dataSource.transaction(async (manager) => {
        const room = { unfinished: null };
        const decided: Answer[] = [];
        for (const arrival of batch) {
          decided.push(
            await this.decider.decide(manager, arrival, room).then(
              (outcome) => ({ outcome }),
              (error: unknown) => ({ error }),
            ),
          );
        }
        return decided;
      });
    } catch (error) {
      for (const arrival of batch) arrival.reject(error);
      return;
    }
    batch.forEach((arrival, i) => {
      const answer = answers[i];
      if ('outcome' in answer) arrival.resolve(answer.outcome);
      else arrival.reject(answer.error);
    });
  }
}
