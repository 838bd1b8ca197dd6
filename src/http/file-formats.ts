import type { ImageFormat } from '../images/image-codec.ts';

const BY_EXTENSION: Record<string, ImageFormat> = { png: 'png', jpg: 'jpeg', jpeg: 'jpeg', webp: 'webp' };

/** The image format a stored file name claims, or null for names /outputs must not serve. */
export function formatOfFile(name: string): ImageFormat | null {
  const ext = /\.([A-Za-z0-9]+)$/.exec(name)?.[1]?.toLowerCase();
  return ext ? (BY_EXTENSION[ext] ?? null) : null;
}
