/**
 * Idempotent submission: a client's `Idempotency-Key` and a fingerprint of what it sent, kept with
 * the task it created, so a retry within 24 h finds that task instead of queueing a second one.
 * Unique where set (NULLs are distinct), so two racing submissions of one key cannot both insert.
 * Frozen history: imports nothing from src/.
 */
import type { MigrationInterface, QueryRunner } from 'typeorm';

export class AddIdempotencyKeys1796430000000 implements MigrationInterface {
  name = 'AddIdempotencyKeys1796430000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "tasks" ADD COLUMN "idempotency_key" TEXT`);
    await queryRunner.query(`ALTER TABLE "tasks" ADD COLUMN "request_fingerprint" TEXT`);
    await queryRunner.query(`CREATE UNIQUE INDEX "IDX_tasks_idempotency_key" ON "tasks" ("idempotency_key")`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP INDEX "IDX_tasks_idempotency_key"`);
    await queryRunner.query(`ALTER TABLE "tasks" DROP COLUMN "request_fingerprint"`);
    await queryRunner.query(`ALTER TABLE "tasks" DROP COLUMN "idempotency_key"`);
  }
}
