/**
 * TaskRepository on the `tasks` table. Entities stay in this folder: every method returns TaskRecord.
 *
 * One class for both stores (DECISIONS §7): the queries are TypeORM's, portable between sqlite and
 * PostgreSQL; what differs per driver (claims, leases) lives in task-claims.repository.ts.
 *
 * Concurrency: TypeORM's sqlite driver has ONE connection, and node-sqlite3 runs its statements one
 * after another. Every write here is therefore a single statement with no explicit transaction:
 * interleaved BEGINs from concurrent callers would collide on that one connection, and a statement
 * that fails outside a transaction leaves nothing open, so the next call runs normally. On
 * PostgreSQL each statement is atomic on its pooled connection; insertIfRoom's transaction takes a
 * connection of its own.
 */
import type { DataSource, EntityManager, QueryDeepPartialEntity, Repository, SelectQueryBuilder } from 'typeorm';
import { NotFoundError } from '../errors.ts';
import {
  TASK_STATUSES,
  UNFINISHED_STATUSES,
  type TaskRecord,
  type TaskResultFile,
  type TaskStatus,
} from '../../adapters/task-record.ts';
import type { IdempotentTask, InsertOutcome, NewTask, TaskQuery, TaskRepository } from '../tasks/task.types.ts';
import { TaskEntity, type TaskRow } from './entities/task.entity.ts';
import { decodeResultFiles, encodeJson, newTaskRow, toTaskRecord } from './task-row-codec.ts';
import { isPostgres } from './data-source.ts';
import { SqliteGroupCommit, type Arrival } from './sqlite-group-commit.ts';

/** Well under sqlite's host-parameter limit (32766 since 3.32; 999 before). */
const IDS_PER_STATEMENT = 500;
/** Transaction-level advisory lock that serialises insertIfRoom across nodes ("fgw-room" as ASCII). */
const QUEUE_ROOM_LOCK_KEY = 0x6667772d726f6f6dn;

export class TypeOrmTaskRepository implements TaskRepository {
  private readonly rows: Repository<TaskRow>;

  /** Tail of the write chain. */
  private writes: Promise<unknown> = Promise.resolve();
  /** sqlite's submissions, decided and stored together (made with the first). */
  private groupCommit: SqliteGroupCommit | undefined;

  constructor(private readonly dataSource: DataSource) {
    this.rows = dataSource.getRepository(TaskEntity);
  }

  /**
   * node-sqlite3 may run statements of one connection in any order; writes go through one chain
   * so ids follow call order (the queue's order after a restart) and a failed write cannot reorder the rest.
   */
  private serially<T>(write: () => Promise<T>): Promise<T> {
    const result = this.writes.then(write, write);
    this.writes = result.catch(() => undefined);
    return result;
  }

  insert(task: NewTask): Promise<TaskRecord> {
    return this.serially(() => this.insertNow(task));
  }

  /**
   * Inserts unless `limit` (> 0) tasks are pending or running in the whole store, or the task's
   * idempotency key already names a task accepted at or after `keysSinceMills` (an older holder of
   * the key lets go of it). The checks and the insert are one step: on sqlite through the write
   * chain (one process owns the file), on PostgreSQL in one transaction that first takes an
   * advisory lock, so two nodes cannot both take the last place or both take one key.
   */
  insertIfRoom(task: NewTask, limit: number, keysSinceMills: number): Promise<InsertOutcome> {
    if (isPostgres(this.dataSource)) {
      return this.serially(() =>
        this.dataSource.transaction(async (manager) => {
          await manager.query('SELECT pg_advisory_xact_lock($1)', [QUEUE_ROOM_LOCK_KEY.toString()]);
          return this.decide(manager, { task, limit, keysSinceMills }, { unfinished: null });
        }),
      );
    }
    this.groupCommit ??= new SqliteGroupCommit(
      this.dataSource,
      {
        decide: (manager, arrival, room) => this.decide(manager, arrival, room),
        unfinishedCount: (manager) => this.unfinishedCount(manager),
      },
      (write) => this.serially(write),
    );
    return this.groupCommit.submit({ task, limit, keysSinceMills });
  }

  /** The idempotency and room checks and the insert of one submission; `room` counts inserts within a batch. */
  private async decide(
    manager: EntityManager,
    arrival: Arrival,
    room: { unfinished: number | null },
  ): Promise<InsertOutcome> {
    const { task, limit, keysSinceMills } = arrival;
    if (task.idempotency) {
      const existing = await this.findByIdempotencyKeyWith(manager, task.idempotency.key, keysSinceMills);
      if (existing) return { existing };
      await manager
        .createQueryBuilder()
        .update(TaskEntity)
        .set({ idempotencyKey: null })
        .where('idempotency_key = :key', { key: task.idempotency.key })
        .execute();
    }
    if (limit > 0) {
      room.unfinished ??= await this.unfinishedCount(manager);
      if (room.unfinished >= limit) return { isFull: true };
    }
    const inserted = await this.insertRow(manager, task);
    if (room.unfinished !== null) room.unfinished += 1;
    return { inserted };
  }

  findByIdempotencyKey(key: string, sinceMills: number): Promise<IdempotentTask | null> {
    return this.findByIdempotencyKeyWith(this.rows.manager, key, sinceMills);
  }

  private async findByIdempotencyKeyWith(
    manager: EntityManager,
    key: string,
    sinceMills: number,
  ): Promise<IdempotentTask | null> {
    const row = await manager
      .getRepository(TaskEntity)
      .createQueryBuilder('t')
      .where('t.idempotencyKey = :key AND t.inQueueMills >= :sinceMills', { key, sinceMills })
      .getOne();
    return row ? { task: toTaskRecord(row), fingerprint: row.requestFingerprint ?? '' } : null;
  }

  private unfinishedCount(manager: EntityManager): Promise<number> {
    return manager
      .getRepository(TaskEntity)
      .createQueryBuilder('t')
      .where('t.status IN (:...statuses)', { statuses: UNFINISHED_STATUSES })
      .getCount();
  }

  markStarted(taskId: string, startMills: number): Promise<TaskRecord> {
    return this.serially(() => this.markStartedNow(taskId, startMills));
  }

  markFinished(
    taskId: string,
    update: {
      status: TaskStatus;
      finishMills: number;
      result: TaskResultFile[];
      error: string | null;
      warnings: string[];
    },
  ): Promise<TaskRecord> {
    return this.serially(() => this.markFinishedNow(taskId, update));
  }

  deleteByTaskIds(taskIds: string[]): Promise<void> {
    return this.serially(() => this.deleteNow(taskIds));
  }

  private insertNow(task: NewTask): Promise<TaskRecord> {
    return this.insertRow(this.rows.manager, task);
  }

  /** Inserts the task's row; the record is built from the values written (no read-back). */
  private async insertRow(manager: EntityManager, task: NewTask): Promise<TaskRecord> {
    const row = newTaskRow(task);
    try {
      const postgres = isPostgres(this.dataSource);
      const insert = manager.createQueryBuilder().insert().into(TaskEntity).values(row).updateEntity(false);
      const { raw } = (await (postgres ? insert.returning('id') : insert).execute()) as { raw: unknown };
      // sqlite answers the rowid of the insert; PostgreSQL the RETURNING rows (BIGINT as a string).
      const id = Number(postgres ? (raw as Array<{ id: string | number }>)[0]?.id : raw);
      if (!Number.isSafeInteger(id))
        throw new Error(`task '${task.taskId}': the store returned no row id for the insert`);
      return toTaskRecord({ ...row, id });
    } catch (error) {
      // sqlite's and PostgreSQL's words for a unique-index violation.
      if (/UNIQUE constraint failed|duplicate key value violates unique constraint/.test(String(error))) {
        throw new Error(`task id '${task.taskId}' already exists`, { cause: error });
      }
      throw error;
    }
  }

  private async markStartedNow(taskId: string, startMills: number): Promise<TaskRecord> {
    await this.updateOne(taskId, { status: 'running', startMills, progress: 0, attempts: () => 'attempts + 1' });
    return this.mustGet('taskId', taskId, taskId);
  }

  private async markFinishedNow(
    taskId: string,
    update: {
      status: TaskStatus;
      finishMills: number;
      result: TaskResultFile[];
      error: string | null;
      warnings: string[];
    },
  ): Promise<TaskRecord> {
    await this.updateOne(taskId, {
      status: update.status,
      finishMills: update.finishMills,
      progress: 100,
      result: encodeJson(update.result),
      error: update.error,
      warnings: encodeJson(update.warnings),
    });
    return this.mustGet('taskId', taskId, taskId);
  }

  async findByTaskId(taskId: string): Promise<TaskRecord | null> {
    const row = await this.rows.findOneBy({ taskId });
    return row ? toTaskRecord(row) : null;
  }

  async find(query: TaskQuery): Promise<TaskRecord[]> {
    const builder = this.filtered(query).orderBy('t.id', query.newestFirst ? 'DESC' : 'ASC');
    if (query.limit !== undefined) builder.limit(query.limit);
    if (query.offset !== undefined) builder.offset(query.offset);
    return (await builder.getMany()).map(toTaskRecord);
  }

  /** Rows matching the filters; limit and offset are ignored (this is the total for paging). */
  async count(query: TaskQuery): Promise<number> {
    return this.filtered(query).getCount();
  }

  /** Rows per status, in one grouped query (health, metrics, job-queue); statuses without rows read 0. */
  async countByStatus<S extends TaskStatus>(
    statuses: readonly S[] = TASK_STATUSES as readonly S[],
  ): Promise<Record<S, number>> {
    // WHERE status IN (...) reads only the asked statuses' index entries: /health asks for pending and
    // running, which stay few while finished rows pile up.
    const rows: Array<{ status: string; n: string | number }> = await this.rows
      .createQueryBuilder('t')
      .select('t.status', 'status')
      .addSelect('COUNT(*)', 'n')
      .where('t.status IN (:...statuses)', { statuses: [...statuses] })
      .groupBy('t.status')
      .getRawMany();
    const counts = Object.fromEntries(statuses.map((status) => [status, 0])) as Record<S, number>;
    for (const row of rows) if (row.status in counts) counts[row.status as S] = Number(row.n);
    return counts;
  }

  async findUnfinished(): Promise<TaskRecord[]> {
    return this.find({ statuses: UNFINISHED_STATUSES });
  }

  private async deleteNow(taskIds: string[]): Promise<void> {
    for (let i = 0; i < taskIds.length; i += IDS_PER_STATEMENT) {
      const ids = taskIds.slice(i, i + IDS_PER_STATEMENT);
      await this.rows.createQueryBuilder().delete().from(TaskEntity).where('task_id IN (:...ids)', { ids }).execute();
    }
  }

  async isFileReferenced(file: string, exceptTaskIds: string[]): Promise<boolean> {
    // LIKE narrows the scan to rows whose JSON text contains the path (as JSON spells it); it is
    // case-insensitive and blind to JSON structure, so the exact match is decided on parsed JSON.
    const needle = JSON.stringify(file)
      .slice(1, -1)
      .replace(/[\\%_]/g, (c) => `\\${c}`);
    const candidates = await this.rows
      .createQueryBuilder('t')
      .select(['t.taskId', 't.result'])
      .where(`t.result LIKE :pattern ESCAPE '\\'`, { pattern: `%${needle}%` })
      .getMany();
    const excluded = new Set(exceptTaskIds);
    return candidates.some(
      (row) => !excluded.has(row.taskId) && decodeResultFiles(row.taskId, row.result).includes(file),
    );
  }

  private filtered(query: TaskQuery): SelectQueryBuilder<TaskRow> {
    const builder = this.rows.createQueryBuilder('t');
    if (query.range) {
      builder.andWhere('t.inQueueMills BETWEEN :startMills AND :endMills', query.range);
    }
    if (query.statuses) {
      // An empty list matches nothing (IN () is not valid SQL).
      if (query.statuses.length === 0) builder.andWhere('1 = 0');
      else builder.andWhere('t.status IN (:...statuses)', { statuses: query.statuses });
    }
    return builder;
  }

  private async updateOne(taskId: string, set: QueryDeepPartialEntity<TaskRow>): Promise<void> {
    const updated = await this.rows
      .createQueryBuilder()
      .update(TaskEntity)
      .set(set)
      .where('task_id = :taskId', { taskId })
      .execute();
    if (updated.affected === 0) throw new NotFoundError(`task '${taskId}' not found`);
  }

  /**
   * Re-reads a row just written. Another write to the same task may land in between; the caller
   * then sees that newer state, which is what a re-read at any later moment would show anyway.
   */
  private async mustGet(key: 'id' | 'taskId', value: number | string, taskId: string): Promise<TaskRecord> {
    const row = await this.rows.findOneBy({ [key]: value });
    if (!row) throw new NotFoundError(`task '${taskId}' not found`);
    return toTaskRecord(row);
  }
}
