/**
 * TaskRow <-> TaskRecord. The JSON columns go through the lossless codec (DECISIONS §6): seeds are
 * int64, and parseJson hands back a number for a safe integer and a bigint above 2^53, so both
 * `request.image_seed` and each `result[].seed` are normalised back to bigint here.
 */
import type { CommonRequest } from '../../adapters/common-request.ts';
import { parseJson, stringifyJson } from '../json/big-json.ts';
import type {
  Dialect,
  ResponseMode,
  TaskMode,
  TaskRecord,
  TaskResultFile,
  TaskStatus,
} from '../../adapters/task-record.ts';
import type { NewTask } from '../tasks/task.types.ts';
import type { NewTaskRow, TaskRow } from './entities/task.entity.ts';

interface StoredResultItem {
  file: unknown;
  seed: unknown;
}

function toBigInt(value: unknown, what: string): bigint {
  if (typeof value === 'bigint') return value;
  if (typeof value === 'number' && Number.isInteger(value)) return BigInt(value);
  throw new Error(`${what} is not an integer: ${String(value)}`);
}

function parseColumn(taskId: string, column: string, text: string): unknown {
  try {
    return parseJson(text);
  } catch (error) {
    throw new Error(`task '${taskId}': column ${column} holds malformed JSON`, { cause: error });
  }
}

function parseResultItems(taskId: string, text: string): StoredResultItem[] {
  const result = parseColumn(taskId, 'result', text);
  if (!Array.isArray(result)) throw new Error(`task '${taskId}': column result is not an array`);
  return result as StoredResultItem[];
}

function decodeRequest(row: TaskRow): CommonRequest {
  const request = parseColumn(row.taskId, 'request', row.request) as CommonRequest;
  return { ...request, image_seed: toBigInt(request.image_seed, `task '${row.taskId}' request.image_seed`) };
}

function decodeResult(row: TaskRow): TaskResultFile[] {
  return parseResultItems(row.taskId, row.result).map((item, i) => ({
    file: String(item.file),
    seed: toBigInt(item.seed, `task '${row.taskId}' result[${i}].seed`),
  }));
}

function decodeWarnings(row: TaskRow): string[] {
  const warnings = parseColumn(row.taskId, 'warnings', row.warnings);
  if (!Array.isArray(warnings)) throw new Error(`task '${row.taskId}': column warnings is not an array`);
  return warnings.map(String);
}

/** Text for a JSON column; bigint values are written as plain digits. */
export function encodeJson(value: unknown): string {
  return stringifyJson(value);
}

export function toTaskRecord(row: TaskRow): TaskRecord {
  return {
    id: row.id,
    taskId: row.taskId,
    // These strings were written from the unions by the repository; the table has no CHECKs.
    dialect: row.dialect as Dialect,
    mode: row.mode as TaskMode,
    responseMode: row.responseMode as ResponseMode,
    request: decodeRequest(row),
    webhookUrl: row.webhookUrl,
    status: row.status as TaskStatus,
    inQueueMills: row.inQueueMills,
    startMills: row.startMills,
    finishMills: row.finishMills,
    progress: row.progress,
    result: decodeResult(row),
    error: row.error,
    warnings: decodeWarnings(row),
    attempts: row.attempts,
  };
}

/** The file paths listed in a row's result column (seeds are not needed, so not validated). */
export function decodeResultFiles(taskId: string, resultText: string): string[] {
  return parseResultItems(taskId, resultText).map((item) => String(item.file));
}

/** The row a new task starts as. */
export function newTaskRow(task: NewTask): NewTaskRow {
  return {
    taskId: task.taskId,
    dialect: task.dialect,
    mode: task.mode,
    responseMode: task.responseMode,
    request: encodeJson(task.request),
    webhookUrl: task.webhookUrl,
    status: 'pending',
    inQueueMills: task.inQueueMills,
    startMills: null,
    finishMills: null,
    progress: 0,
    result: '[]',
    error: null,
    warnings: encodeJson(task.warnings),
    attempts: 0,
    nodeName: null,
    leaseUntil: null,
    cancelRequested: false,
    idempotencyKey: task.idempotency?.key ?? null,
    requestFingerprint: task.idempotency?.fingerprint ?? null,
  };
}
