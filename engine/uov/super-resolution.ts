/**
 * ESRGAN-family super-resolution on onnxruntime, as Fooocus's `perform_upscale`: the whole image
 * in 512 px tiles with 32 px of linearly feathered overlap (ComfyUI tiled_scale), so memory stays
 * bounded by the output; values clamped to 0..1 and truncated to bytes. The model's factor is read
 * by running it once on a small probe (exports have dynamic sizes). I/O names come from the session.
 */
import { EngineError } from '../errors.ts';
import type { Bitmap8 } from '../image/lanczos-resample.ts';
import type { ProviderSelector } from '../onnx/providers.ts';
import type { OnnxSession } from '../onnx/session.ts';
import { tiledScale, type Planar } from '../vae/tiled-scale.ts';

export const SR_TILE = 512;
export const SR_OVERLAP = 32;
const PROBE = 16;

export class OnnxUpscaler {
  private constructor(
    readonly path: string,
    private readonly session: OnnxSession,
    readonly scale: number,
  ) {}

  static async load(path: string, providers: ProviderSelector, label: string): Promise<OnnxUpscaler> {
    const session = await providers.createSession(path, label);
    try {
      const probe = await OnnxUpscaler.runTile(session, {
        data: new Float32Array(3 * PROBE * PROBE).fill(0.5),
        channels: 3,
        height: PROBE,
        width: PROBE,
      });
      const scale = probe.height / PROBE;
      if (probe.channels !== 3 || !Number.isInteger(scale) || scale < 1 || probe.width !== PROBE * scale) {
        throw new EngineError(
          'runtime-failure',
          `${label}: not a super-resolution model (a ${PROBE}×${PROBE} RGB input came back as ${probe.channels}×${probe.height}×${probe.width})`,
        );
      }
      return new OnnxUpscaler(path, session, scale);
    } catch (error) {
      await session.release();
      throw error;
    }
  }

  private static async runTile(session: OnnxSession, tile: Planar): Promise<Planar> {
    const input = session.inputs[0];
    const output = session.outputs[0];
    if (!input || !output) throw new EngineError('runtime-failure', `${session.label} declares no input or output`);
    const out = await session.run({ [input.name]: { data: tile.data, dims: [1, 3, tile.height, tile.width] } }, [
      output.name,
    ]);
    const { data, dims } = out[output.name];
    return { data, channels: dims[1], height: dims[2], width: dims[3] };
  }

  /** RGB (3 channels) → RGB `scale`× larger. */
  async upscale(image: Bitmap8): Promise<Bitmap8> {
    const plane = image.width * image.height;
    const input = new Float32Array(3 * plane);
    for (let p = 0; p < plane; p++)
      for (let c = 0; c < 3; c++) input[c * plane + p] = image.data[p * image.channels + c] / 255;
    const result = await tiledScale(
      { data: input, channels: 3, height: image.height, width: image.width },
      (tile) => OnnxUpscaler.runTile(this.session, tile),
      {
        tileX: SR_TILE,
        tileY: SR_TILE,
        overlap: SR_OVERLAP,
        scale: this.scale,
        outChannels: 3,
      },
    );
    const outPlane = result.height * result.width;
    const data = new Uint8Array(outPlane * 3);
    for (let p = 0; p < outPlane; p++) {
      for (let c = 0; c < 3; c++) {
        const v = result.data[c * outPlane + p];
        data[p * 3 + c] = v <= 0 ? 0 : v >= 1 ? 255 : Math.trunc(v * 255);
      }
    }
    return { width: result.width, height: result.height, channels: 3, data };
  }

  release(): Promise<void> {
    return this.session.release();
  }
}
