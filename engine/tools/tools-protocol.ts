/**
 * Messages between the gateway (src/tools) and the tools child (engine/tools/tools-worker.ts):
 * describe and mask requests answered at once, beside the generation queue, as the originals run
 * them (fooocus-api-legacy.md §4.4–4.5). Plain data only (structured clone over IPC).
 */
import type { EngineErrorData, EngineInfo } from '../protocol.ts';

export type DescribeImageType = 'Photo' | 'Anime';

/** `png`: the client's image, already decoded and re-encoded as PNG by the gateway's codec. */
export type ToolRequest =
  | { type: 'describe'; id: number; png: Uint8Array; imageType: DescribeImageType }
  | { type: 'mask'; id: number; png: Uint8Array; model: string; clothCategory: string };

export type ToolReply =
  | { type: 'ready'; info: EngineInfo }
  | { type: 'described'; id: number; text: string; warnings: string[] }
  | { type: 'masked'; id: number; png: Uint8Array; width: number; height: number; warnings: string[] }
  | { type: 'failed'; id: number; error: EngineErrorData };
