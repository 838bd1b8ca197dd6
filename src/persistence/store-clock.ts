/**
 * "Now" in epoch ms as an SQL expression evaluated by the store itself. Leases and heartbeats are
 * compared on the database's clock, so nodes whose clocks disagree still agree on who is late.
 */
import type { DataSource } from 'typeorm';
import { isPostgres } from './data-source.ts';

export function storeNowSql(dataSource: DataSource): string {
  // clock_timestamp(), not now(): now() is frozen at the start of the transaction.
  return isPostgres(dataSource)
    ? '(EXTRACT(EPOCH FROM clock_timestamp()) * 1000)::bigint'
    : "CAST((julianday('now') - 2440587.5) * 86400000 AS INTEGER)";
}
