/**
 * TaskClaimStore on the `tasks` table (DECISIONS §7: the table is the queue). Every state change is
 * one conditional UPDATE, so whichever node loses a race changes nothing: a claim needs the row to
 * be pending, a finish needs the row to be running under this node's name, a reclaim needs the
 * lease to have run out. Only the claim itself differs per driver: PostgreSQL takes the oldest
 * pending row with `FOR UPDATE SKIP LOCKED` (claimers skip each other's rows instead of queueing on
 * them); sqlite has one process, which selects the oldest and claims it if it is still pending.
 */
import type { DataSource, Repository, UpdateQueryBuilder } from 'typeorm';
import type { TaskRecord } from '../../adapters/task-record.ts';
import type { FinishUpdate, ReclaimOutcome, TaskClaimStore } from '../tasks/cluster.types.ts';
import { isPostgres } from './data-source.ts';
import { TaskEntity, type TaskRow } from './entities/task.entity.ts';
import { storeNowSql } from './store-clock.ts';
import { encodeJson, toTaskRecord } from './task-row-codec.ts';

/** A pending row cancelled between the sqlite select and its claim is passed over this often at most. */
const SQLITE_CLAIM_TRIES = 5;

export class TypeOrmTaskClaims implements TaskClaimStore {
  private readonly rows: Repository<TaskRow>;
  private readonly now: string;
  private readonly isPostgres: boolean;

  constructor(
    private readonly dataSource: DataSource,
    private readonly leaseMs: number,
  ) {
    this.rows = dataSource.getRepository(TaskEntity);
    this.now = storeNowSql(dataSource);
    this.isPostgres = isPostgres(dataSource);
  }

  async claimNext(node: string, startMills: number): Promise<TaskRecord | null> {
    const taskId = this.isPostgres
      ? await this.claimOnPostgres(node, startMills)
      : await this.claimOnSqlite(node, startMills);
    return taskId === null ? null : this.read(taskId);
  }

  private async claimOnPostgres(node: string, startMills: number): Promise<string | null> {
    const runner = this.dataSource.createQueryRunner();
    try {
      const result = await runner.query(
        `UPDATE "tasks"
          SET "status" = 'running', "node_name" = $1, "lease_until" = ${this.now} + $2, "start_mills" = $3,
              "progress" = 0, "attempts" = "attempts" + 1
        WHERE "id" = (SELECT "id" FROM "tasks" WHERE "status" = 'pending' ORDER BY "id" LIMIT 1 FOR UPDATE SKIP LOCKED)
          AND "status" = 'pending'
        RETURNING "task_id"`,
        [node, this.leaseMs, startMills],
        true,
      );
      const records = result.records as Array<{ task_id: string }>;
      return records[0]?.task_id ?? null;
    } finally {
      await runner.release();
    }
  }

  private async claimOnSqlite(node: string, startMills: number): Promise<string | null> {
    for (let i = 0; i < SQLITE_CLAIM_TRIES; i++) {
      const oldest = await this.rows
        .createQueryBuilder('t')
        .select(['t.id', 't.taskId'])
        .where(`t.status = 'pending'`)
        .orderBy('t.id', 'ASC')
        .limit(1)
        .getOne();
      if (!oldest) return null;
      const claimed = await this.update()
        .set({
          status: 'running',
          nodeName: node,
          leaseUntil: () => `${this.now} + ${this.leaseMs}`,
          startMills,
          progress: 0,
          attempts: () => 'attempts + 1',
        })
        .where(`task_id = :taskId AND status = 'pending'`, { taskId: oldest.taskId })
        .execute();
      if (claimed.affected) return oldest.taskId;
    }
    return null;
  }

  async renew(node: string, taskIds: readonly string[]): Promise<string[]> {
    if (taskIds.length === 0) return [];
    await this.update()
      .set({ leaseUntil: () => `${this.now} + ${this.leaseMs}` })
      .where(`node_name = :node AND status = 'running' AND task_id IN (:...taskIds)`, { node, taskIds })
      .execute();
    const held = await this.rows
      .createQueryBuilder('t')
      .select(['t.id', 't.taskId'])
      .where(`t.nodeName = :node AND t.status = 'running' AND t.taskId IN (:...taskIds)`, { node, taskIds })
      .getMany();
    return held.map((row) => row.taskId);
  }

  async reclaim(options: {
    ownedBy?: string;
    sparing?: string;
    everyRunning?: boolean;
    maxStarts: number;
    finishMills: number;
    failedError(attempts: number): string;
  }): Promise<ReclaimOutcome> {
    const unheld = (column: (name: string) => string): string => {
      const running = `${column('status')} = 'running'`;
      if (options.everyRunning) return running;
      const lease = column('lease_until');
      const owned = options.ownedBy !== undefined ? ` OR ${column('node_name')} = :owner` : '';
      const spared =
        options.sparing !== undefined
          ? ` AND (${column('node_name')} IS NULL OR ${column('node_name')} <> :spared)`
          : '';
      return `${running} AND (${lease} IS NULL OR ${lease} < ${this.now}${owned})${spared}`;
    };
    const params = {
      ...(options.ownedBy !== undefined ? { owner: options.ownedBy } : {}),
      ...(options.sparing !== undefined ? { spared: options.sparing } : {}),
    };
    const candidates = await this.rows
      .createQueryBuilder('t')
      .select(['t.id', 't.taskId', 't.attempts', 't.cancelRequested'])
      .where(
        unheld((name) => `t.${name}`),
        params,
      )
      .orderBy('t.id', 'ASC')
      .getMany();
    const outcome: ReclaimOutcome = { requeued: [], ended: [] };
    for (const row of candidates) {
      const isEnding = row.cancelRequested || row.attempts >= options.maxStarts;
      const set = isEnding
        ? {
            status: row.cancelRequested ? 'cancelled' : 'failed',
            finishMills: options.finishMills,
            progress: 100,
            error: row.cancelRequested ? null : options.failedError(row.attempts),
            leaseUntil: null,
          }
        : { status: 'pending', nodeName: null, leaseUntil: null, startMills: null, progress: 0 };
      // The same condition again: a node that renewed, or another reclaimer, wins the row.
      const changed = await this.update()
        .set(set)
        .where(`task_id = :taskId AND ${unheld((name) => name)}`, { ...params, taskId: row.taskId })
        .execute();
      if (!changed.affected) continue;
      if (isEnding) outcome.ended.push(await this.read(row.taskId));
      else outcome.requeued.push(row.taskId);
    }
    return outcome;
  }

  async finishClaimed(taskId: string, node: string, update: FinishUpdate): Promise<TaskRecord | null> {
    const changed = await this.update()
      .set({
        status: () => `CASE WHEN cancel_requested THEN 'cancelled' ELSE :status END`,
        finishMills: update.finishMills,
        progress: 100,
        result: encodeJson(update.result),
        error: update.error,
        warnings: encodeJson(update.warnings),
        leaseUntil: null,
      })
      .where(`task_id = :taskId AND status = 'running' AND node_name = :node`, { taskId, node })
      .setParameter('status', update.status)
      .execute();
    return changed.affected ? this.read(taskId) : null;
  }

  async cancelPending(taskId: string, finishMills: number): Promise<TaskRecord | null> {
    const changed = await this.update()
      .set({ status: 'cancelled', finishMills, progress: 100 })
      .where(`task_id = :taskId AND status = 'pending'`, { taskId })
      .execute();
    return changed.affected ? this.read(taskId) : null;
  }

  async requestCancel(taskId: string): Promise<boolean> {
    const changed = await this.update()
      .set({ cancelRequested: true })
      .where(`task_id = :taskId AND status = 'running'`, { taskId })
      .execute();
    return Boolean(changed.affected);
  }

  async handBack(node: string, taskIds: readonly string[]): Promise<string[]> {
    const handed: string[] = [];
    for (const taskId of taskIds) {
      // A task someone asked to cancel is not handed on: it ends as cancelled once its lease runs out.
      const changed = await this.update()
        .set({
          status: 'pending',
          nodeName: null,
          leaseUntil: null,
          startMills: null,
          progress: 0,
          attempts: () => 'attempts - 1',
        })
        .where(`task_id = :taskId AND node_name = :node AND status = 'running' AND cancel_requested = :no`, {
          taskId,
          node,
          no: false,
        })
        .execute();
      if (changed.affected) handed.push(taskId);
    }
    return handed;
  }

  private update(): UpdateQueryBuilder<TaskRow> {
    return this.rows.createQueryBuilder().update(TaskEntity);
  }

  private async read(taskId: string): Promise<TaskRecord> {
    const row = await this.rows.findOneBy({ taskId });
    if (!row) throw new Error(`task '${taskId}' vanished while being claimed`);
    return toTaskRecord(row);
  }
}
