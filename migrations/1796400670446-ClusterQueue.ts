/**
 * One queue for many nodes (DECISIONS §7). Frozen history: imports nothing from src/.
 *  - tasks.node_name / lease_until: who runs a task and until when its claim holds (epoch ms, on the
 *    database's clock); a running row whose lease ran out belongs to a node that is gone.
 *  - tasks.cancel_requested: a cancel that reached the store, so it holds even if the node running
 *    the task dies before it hears of it.
 *  - nodes: one row per gateway process that ever started (name, engines, heartbeat, counts).
 *  - task_live: the newest progress and preview of each running task, which events refer to
 *    (a NOTIFY payload must stay under 8000 bytes); deleted when the task ends.
 * Rows already in `tasks` keep working: the new columns are nullable or defaulted.
 */
import type { MigrationInterface, QueryRunner } from 'typeorm';

export class ClusterQueue1796400670446 implements MigrationInterface {
  name = 'ClusterQueue1796400670446';

  async up(queryRunner: QueryRunner): Promise<void> {
    const isPostgres = queryRunner.connection.driver.options.type === 'postgres';
    const millis = isPostgres ? 'BIGINT' : 'INTEGER';
    const real = isPostgres ? 'DOUBLE PRECISION' : 'REAL';
    const flag = isPostgres ? 'BOOLEAN NOT NULL DEFAULT FALSE' : 'INTEGER NOT NULL DEFAULT 0';
    await queryRunner.query(`ALTER TABLE "tasks" ADD COLUMN "node_name" TEXT`);
    await queryRunner.query(`ALTER TABLE "tasks" ADD COLUMN "lease_until" ${millis}`);
    await queryRunner.query(`ALTER TABLE "tasks" ADD COLUMN "cancel_requested" ${flag}`);
    // Claims take the oldest pending row: (status, id) serves both the filter and the order.
    await queryRunner.query(`CREATE INDEX "IDX_tasks_status_id" ON "tasks" ("status", "id")`);
    await queryRunner.query(`
      CREATE TABLE "nodes" (
        "name"            TEXT    PRIMARY KEY NOT NULL,
        "engines"         INTEGER NOT NULL,
        "devices"         TEXT    NOT NULL DEFAULT '[]',
        "base_url"        TEXT    NOT NULL DEFAULT '',
        "started_mills"   ${millis} NOT NULL,
        "heartbeat_mills" ${millis} NOT NULL,
        "stopped_mills"   ${millis},
        "tasks_completed" INTEGER NOT NULL DEFAULT 0
      )`);
    await queryRunner.query(`
      CREATE TABLE "task_live" (
        "task_id"       TEXT    PRIMARY KEY NOT NULL,
        "percent"       ${real} NOT NULL DEFAULT 0,
        "message"       TEXT    NOT NULL DEFAULT '',
        "preview"       TEXT,
        "updated_mills" ${millis} NOT NULL
      )`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE "task_live"`);
    await queryRunner.query(`DROP TABLE "nodes"`);
    await queryRunner.query(`DROP INDEX "IDX_tasks_status_id"`);
    await queryRunner.query(`ALTER TABLE "tasks" DROP COLUMN "cancel_requested"`);
    await queryRunner.query(`ALTER TABLE "tasks" DROP COLUMN "lease_until"`);
    await queryRunner.query(`ALTER TABLE "tasks" DROP COLUMN "node_name"`);
  }
}
