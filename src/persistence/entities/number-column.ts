/**
 * For integer columns PostgreSQL stores as BIGINT: node-postgres hands int8 back as a string so no
 * precision is lost silently; ours hold epoch ms, row ids and counts, all far below 2^53.
 */
import type { ValueTransformer } from 'typeorm';

export const numberColumn: ValueTransformer = {
  to: (value: unknown) => value,
  from: (value: unknown) => (value === null || value === undefined ? value : Number(value)),
};
