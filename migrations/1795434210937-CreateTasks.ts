/**
 * The task queue and history table (DECISIONS §2: the queue *is* this table).
 * Frozen history: imports nothing from src/, and the SQL is written out by hand.
 * `result` and `warnings` default to '[]' so a row is valid JSON from the moment it is accepted;
 * `request` and `result` are lossless JSON (int64 seeds as plain digits).
 */
import type { MigrationInterface, QueryRunner } from 'typeorm';

export class CreateTasks1795434210937 implements MigrationInterface {
  name = 'CreateTasks1795434210937';

  async up(queryRunner: QueryRunner): Promise<void> {
    // AUTOINCREMENT (not just ROWID) so ids are never reused after deletes: id order is submission order.
    await queryRunner.query(`
      CREATE TABLE "tasks" (
        "id"             INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
        "task_id"        TEXT    NOT NULL,
        "dialect"        TEXT    NOT NULL,
        "mode"           TEXT    NOT NULL,
        "response_mode"  TEXT    NOT NULL,
        "request"        TEXT    NOT NULL,
        "webhook_url"    TEXT    NOT NULL DEFAULT '',
        "status"         TEXT    NOT NULL,
        "in_queue_mills" INTEGER NOT NULL,
        "start_mills"    INTEGER,
        "finish_mills"   INTEGER,
        "progress"       REAL    NOT NULL DEFAULT 0,
        "result"         TEXT    NOT NULL DEFAULT '[]',
        "error"          TEXT,
        "warnings"       TEXT    NOT NULL DEFAULT '[]',
        "attempts"       INTEGER NOT NULL DEFAULT 0
      )`);
    await queryRunner.query(`CREATE UNIQUE INDEX "IDX_tasks_task_id" ON "tasks" ("task_id")`);
    await queryRunner.query(`CREATE INDEX "IDX_tasks_status" ON "tasks" ("status")`);
    await queryRunner.query(`CREATE INDEX "IDX_tasks_in_queue_mills" ON "tasks" ("in_queue_mills")`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP INDEX "IDX_tasks_in_queue_mills"`);
    await queryRunner.query(`DROP INDEX "IDX_tasks_status"`);
    await queryRunner.query(`DROP INDEX "IDX_tasks_task_id"`);
    await queryRunner.query(`DROP TABLE "tasks"`);
  }
}
