/**
 * One LoRA `.safetensors` file opened for merging: its modules with rank and alpha resolved.
 * Tensors stay on disk until `readFactors` asks for one module's pair.
 */
import { groupLoraKeys, type LoraComponent } from './lora-keys.ts';
import { SafetensorsReader, type SafetensorsEntry } from './safetensors.ts';

export interface LoraModule {
  component: LoraComponent;
  modulePath: string;
  /** down (lora_A): [rank,in] or [rank,in,kh,kw]. */
  down: SafetensorsEntry;
  /** up (lora_B): [out,rank] or [out,rank,1,1]. */
  up: SafetensorsEntry;
  rank: number;
  /** Scale numerator; a file without `.alpha` means alpha = rank (scale 1), as kohya and PEFT default. */
  alpha: number;
}

export interface LoraFactors {
  /** float32 [out,rank]. */
  up: Float32Array;
  /** float32 [rank,K], K = in·kh·kw. */
  down: Float32Array;
  out: number;
  rank: number;
  /** Columns of down: in·kh·kw. */
  k: number;
}

export class LoraFile {
  private constructor(
    readonly path: string,
    private readonly reader: SafetensorsReader,
    readonly modules: readonly LoraModule[],
    /** Tensor names not understood as LoRA down/up/alpha, or lacking their partner. */
    readonly ignored: readonly string[],
  ) {}

  static async open(path: string): Promise<LoraFile> {
    const reader = await SafetensorsReader.open(path);
    try {
      const { modules: keys, ignored } = groupLoraKeys(reader.entries.keys());
      const modules: LoraModule[] = [];
      for (const key of keys) {
        const down = reader.entries.get(key.down)!;
        const up = reader.entries.get(key.up)!;
        const rank = down.shape[0];
        if (
          down.shape.length < 2 ||
          up.shape.length < 2 ||
          up.shape[1] !== rank ||
          up.shape.slice(2).some((d) => d !== 1)
        ) {
          ignored.push(
            `${key.down} [${down.shape.join(',')}] / ${key.up} [${up.shape.join(',')}] (shapes are not a rank-${rank} pair)`,
          );
          continue;
        }
        const alpha = key.alpha === undefined ? rank : (await reader.readFloat32(key.alpha)).data[0];
        modules.push({ component: key.component, modulePath: key.modulePath, down, up, rank, alpha });
      }
      return new LoraFile(path, reader, modules, ignored);
    } catch (error) {
      await reader.close();
      throw error;
    }
  }

  /** Reads one module's factors, with `scale` folded into up. */
  async readFactors(module: LoraModule, scale: number): Promise<LoraFactors> {
    const up = (await this.reader.readFloat32(module.up.name)).data;
    const down = (await this.reader.readFloat32(module.down.name)).data;
    for (let i = 0; i < up.length; i++) up[i] *= scale;
    const out = module.up.shape[0];
    return { up, down, out, rank: module.rank, k: down.length / module.rank };
  }

  async close(): Promise<void> {
    await this.reader.close();
  }
}
