/** Messages between WorkerImageCodec and image-codec.worker.ts (plain data: structured clone). */
import type { ImageFormat } from './image-codec.ts';

export type CodecRequest =
  | { id: number; op: 'to-png'; bytes: Uint8Array }
  | { id: number; op: 'convert'; bytes: Uint8Array; format: ImageFormat };

export type CodecReply =
  | { id: number; ok: true; bytes: Uint8Array; width: number; height: number }
  | { id: number; ok: false; kind: 'undecodable' | 'encode-failed'; message: string };
