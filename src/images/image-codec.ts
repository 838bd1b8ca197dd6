/**
 * Image decode/encode as the gateway sees it (input re-encoding to PNG, Accept conversion of
 * /outputs). Implementations must keep pixel work off the gateway loop (DECISIONS §2).
 */
import type { ImageFormat } from '../../adapters/task-record.ts';

export type { ImageFormat };

export interface ImageCodec {
  /** Decodes any supported image and re-encodes it as PNG; InvalidFieldError naming `field` when it is not an image. */
  toPng(bytes: Uint8Array, field: string): Promise<{ png: Buffer; width: number; height: number }>;
  /** Re-encodes an image (our own files) to `format`; JPEG quality 95, transparency flattened on white. */
  convert(bytes: Uint8Array, format: ImageFormat): Promise<Buffer>;
  close(): Promise<void>;
}

export type ImageCodecErrorKind = 'undecodable' | 'too-large' | 'encode-failed' | 'worker-crashed' | 'closed';

/** A codec failure not tied to a client field (convert, crashes, shutdown). */
export class ImageCodecError extends Error {
  constructor(
    readonly kind: ImageCodecErrorKind,
    message: string,
    options: { cause?: unknown } = {},
  ) {
    super(message, options);
    this.name = 'ImageCodecError';
  }
}
