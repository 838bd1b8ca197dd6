/**
 * The named second step after adaptation (DECISIONS §2): every classified image of a
 * CommonRequest is fetched or decoded and re-encoded as PNG in the codec worker (never on the
 * gateway loop), named `inputs/<sha256>.png`. A bad image is a 422 naming the field as the client
 * sent it, before any task row exists. Nothing is written until the task is accepted (`store`), so
 * a refused request leaves no file. Our own `/outputs`, `/files` and `/inputs` URLs are read from
 * disk, not fetched.
 */
import { createHash } from 'node:crypto';
import { access, mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { CommonRequest, ImageInput } from '../../adapters/common-request.ts';
import { IMAGE_FIELDS } from '../../adapters/common-request.ts';
import { InvalidFieldError } from '../errors.ts';
import type { ImageCodec } from '../images/image-codec.ts';
import type { UrlFetcher } from '../net/url-fetcher.ts';
import { isPlainOutputName } from '../storage/output-store.ts';
import type { InputResolver, ResolvedInputs } from '../tasks/ports.ts';

export interface InputResolverOptions {
  dataDir: string;
  baseUrl: string;
  codec: ImageCodec;
  fetcher: UrlFetcher;
}

const INPUT_NAME = /^[A-Za-z0-9._-]+$/;

export class StoredInputResolver implements InputResolver {
  constructor(private readonly options: InputResolverOptions) {}

  get inputsDir(): string {
    return join(this.options.dataDir, 'inputs');
  }

  async resolve(request: CommonRequest, fieldNames: Readonly<Record<string, string>>): Promise<ResolvedInputs> {
    const files = new Map<string, Uint8Array>();
    const resolveAt = (path: string, input: ImageInput) => this.resolveImage(fieldNames[path] ?? path, input, files);
    const resolved: CommonRequest = { ...request };
    for (const field of IMAGE_FIELDS) resolved[field] = await resolveAt(field, request[field]);
    resolved.controlnet_image = await Promise.all(
      request.controlnet_image.map(async (slot, i) => ({
        ...slot,
        cn_img: await resolveAt(`controlnet_image.${i}.cn_img`, slot.cn_img),
      })),
    );
    return { request: resolved, files: [...files].map(([name, png]) => ({ name, png })) };
  }

  /** Writes the accepted task's inputs; a file already there (same content: same name) is kept. */
  async store(files: ResolvedInputs['files']): Promise<void> {
    if (files.length === 0) return;
    await mkdir(this.inputsDir, { recursive: true });
    for (const { name, png } of files) {
      const path = join(this.inputsDir, name);
      const exists = await access(path).then(
        () => true,
        () => false,
      );
      if (!exists) await writeFile(path, png);
    }
  }

  /** One image decoded and re-encoded as PNG, not stored (the tools routes use it once). */
  async readImage(field: string, input: ImageInput): Promise<{ png: Uint8Array; width: number; height: number }> {
    if (input.kind === 'none')
      throw new InvalidFieldError(field, `${field}: an image is required`, { type: 'missing', input: null });
    if (input.kind === 'stored')
      return { png: await readFile(join(this.inputsDir, input.file)), width: input.width, height: input.height };
    return this.options.codec.toPng(await this.readBytes(field, input), field);
  }

  /** `field` is the name the client sent the image under. */
  private async resolveImage(field: string, input: ImageInput, files: Map<string, Uint8Array>): Promise<ImageInput> {
    if (input.kind === 'none' || input.kind === 'stored') return input;
    const bytes = await this.readBytes(field, input);
    const { png, width, height } = await this.options.codec.toPng(bytes, field);
    const file = `${createHash('sha256').update(png).digest('hex')}.png`;
    files.set(file, png);
    return { kind: 'stored', file, width, height };
  }

  private async readBytes(field: string, input: Exclude<ImageInput, { kind: 'none' | 'stored' }>): Promise<Uint8Array> {
    if (input.kind === 'bytes') return input.bytes;
    if (input.kind === 'base64' || input.kind === 'data-uri') return Buffer.from(input.data, 'base64');
    const own = this.ownFile(input.url);
    if (own === undefined) return this.options.fetcher.fetchBytes(input.url, field);
    if (own === null)
      throw new InvalidFieldError(field, `${field}: ${input.url} does not name a file of this server`, {
        input: input.url,
      });
    return readFile(own).catch(() => {
      throw new InvalidFieldError(field, `${field}: ${input.url} does not exist on this server`, { input: input.url });
    });
  }

  /** Path of a URL under our own base URL (undefined: not ours; null: ours but not a servable name). */
  private ownFile(url: string): string | null | undefined {
    const base = this.options.baseUrl;
    if (!url.startsWith(`${base}/`)) return undefined;
    const rest = decodeURIComponent(url.slice(base.length + 1).split(/[?#]/)[0]);
    const [root, ...tail] = rest.split('/');
    const name = tail.join('/');
    if (root === 'outputs' || root === 'files')
      return isPlainOutputName(name) ? join(this.options.dataDir, name) : null;
    if (root === 'inputs') return INPUT_NAME.test(name) ? join(this.inputsDir, name) : null;
    return undefined;
  }
}
