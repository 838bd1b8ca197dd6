/**
 * `convert upscaler|inpaint|expansion <file>`: Fooocus's own PyTorch files (engine/import/fooocus) into
 * what the engine loads, under the models folder where its finders look:
 *  - upscaler `fooocus_upscaler_s409985e5.bin` → models/upscale_models/<stem>.onnx;
 *  - inpaint `fooocus_inpaint_head.pth` or `inpaint_v26.fooocus.patch` → models/inpaint/*.safetensors;
 *  - expansion `prompt_expansion/fooocus_expansion/` (or its pytorch_model.bin) → the same folder under models/.
 */
import { stat } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import {
  convertEsrganUpscaler,
  convertExpansionModel,
  convertInpaintHead,
  convertInpaintPatch,
  EXPANSION_SOURCE_WEIGHTS,
  expansionTargetDir,
  inpaintTargetPath,
  upscalerTargetPath,
} from '../../engine/index.ts';

export const FOOOCUS_CONVERSIONS = ['upscaler', 'inpaint', 'expansion'] as const;

/** Converts `source`; false when `what` is not one of FOOOCUS_CONVERSIONS. */
export async function convertFooocusFile(
  what: string,
  source: string,
  modelsDir: string,
  out: (line: string) => void,
): Promise<boolean> {
  if (what === 'upscaler') {
    const target = upscalerTargetPath(modelsDir, source);
    const result = await convertEsrganUpscaler(source, target);
    out(`${target}: ×${result.scale} RRDBNet (${result.blocks} blocks, ${result.features} features)`);
    return true;
  }
  if (what === 'inpaint') {
    const target = inpaintTargetPath(modelsDir, basename(source));
    if (/inpaint_head/i.test(basename(source))) {
      const result = await convertInpaintHead(source, target);
      out(`${target}: head [${result.shape.join(',')}]`);
    } else {
      const result = await convertInpaintPatch(source, target);
      out(`${target}: ${result.tensors} dequantised weight deltas`);
    }
    return true;
  }
  if (what === 'expansion') {
    const dir = (await stat(source)).isDirectory() ? source : dirname(source);
    if (!(await stat(join(dir, EXPANSION_SOURCE_WEIGHTS)).catch(() => null)))
      throw new Error(
        `${dir}: no ${EXPANSION_SOURCE_WEIGHTS} (give Fooocus's prompt_expansion/fooocus_expansion folder)`,
      );
    const target = expansionTargetDir(modelsDir);
    const result = await convertExpansionModel(dir, target);
    out(`${target}: GPT-2 (${result.layers} layers, ${result.width} wide, vocabulary ${result.vocab}) with a KV cache`);
    return true;
  }
  return false;
}
