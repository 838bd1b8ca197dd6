/** worker_threads entry of WorkerImageCodec: a message loop, one job at a time. */
import { setPriority } from 'node:os';
import { parentPort } from 'node:worker_threads';
import type { CodecReply, CodecRequest } from './codec-protocol.ts';
import { decodeImage, encodeImage, UndecodableImageError } from './jimp-codec.ts';

if (!parentPort) throw new Error('image-codec.worker.ts must run as a worker thread');
const port = parentPort;

// On Linux `nice` is per thread and setpriority(0) names the calling thread: this lowers only the
// codec thread, so a long JPEG encode yields the core to the gateway's event loop (DECISIONS §2).
try {
  setPriority(0, 10);
} catch {
  // Not permitted on this platform: the encode still runs off the loop.
}

port.on('message', async (request: CodecRequest) => {
  const reply = await handle(request);
  // jimp's Buffers may share a pooled ArrayBuffer: hand back an exact-size copy, transferred, not cloned.
  if (reply.ok) reply.bytes = new Uint8Array(reply.bytes);
  port.postMessage(reply, reply.ok ? [reply.bytes.buffer as ArrayBuffer] : []);
});

async function handle(request: CodecRequest): Promise<CodecReply> {
  let bitmap;
  try {
    bitmap = await decodeImage(request.bytes);
  } catch (error) {
    const message = error instanceof UndecodableImageError ? error.message : String(error);
    return { id: request.id, ok: false, kind: 'undecodable', message };
  }
  try {
    const encoded = await encodeImage(bitmap, request.op === 'to-png' ? 'png' : request.format);
    return { id: request.id, ok: true, bytes: encoded, width: bitmap.width, height: bitmap.height };
  } catch (error) {
    return {
      id: request.id,
      ok: false,
      kind: 'encode-failed',
      message: error instanceof Error ? error.message : String(error),
    };
  }
}
