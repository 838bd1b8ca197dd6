/**
 * Demo models of the tool families (DECISIONS §4), written on first start beside the demo
 * checkpoint: a captioner and a tagger under models/describe/, and the saliency and cloth mask
 * demos under models/mask/. Each is written only while no real model of its kind is installed
 * (and never with `--no-demo-model`); a real model put in the same folder later takes precedence.
 */
import { access } from 'node:fs/promises';
import { join } from 'node:path';
import {
  DESCRIBE_FOLDER,
  demoMaskFile,
  findCaptioner,
  findMaskModel,
  findTagger,
  MASK_FOLDER,
  REMBG_MODELS,
  TINY_DEMO_CAPTIONER_FOLDER,
  TINY_DEMO_TAGGER_FOLDER,
  writeTinyCaptioner,
  writeTinyMaskModel,
  writeTinyTagger,
} from '../../engine/index.ts';
import type { Config } from '../config/config.ts';
import type { Logger } from '../logging/logger.ts';

const exists = (path: string) =>
  access(path).then(
    () => true,
    () => false,
  );

export async function ensureDemoToolModels(config: Config, logger: Logger): Promise<void> {
  if (!config.isDemoModelEnabled) return;
  const describeDir = join(config.modelsDir, DESCRIBE_FOLDER);
  if (!(await findCaptioner(config.modelsDir, true))) {
    logger.info(`no image captioner under ${describeDir}: writing the demo captioner '${TINY_DEMO_CAPTIONER_FOLDER}'`);
    await writeTinyCaptioner(join(describeDir, TINY_DEMO_CAPTIONER_FOLDER));
  }
  if (!(await findTagger(config.modelsDir, true))) {
    logger.info(`no WD14 tagger under ${describeDir}: writing the tiny demo tagger '${TINY_DEMO_TAGGER_FOLDER}'`);
    await writeTinyTagger(join(describeDir, TINY_DEMO_TAGGER_FOLDER));
  }
  const missing = [];
  for (const spec of REMBG_MODELS) if (!(await findMaskModel(config.modelsDir, spec.name, false))) missing.push(spec);
  for (const family of new Set(missing.map((m) => m.family))) {
    const path = join(config.modelsDir, MASK_FOLDER, demoMaskFile(family));
    if (await exists(path)) continue;
    const names = missing.filter((m) => m.family === family).map((m) => m.name);
    logger.info(`writing the tiny demo mask model '${demoMaskFile(family)}' for ${names.join(', ')}`);
    await writeTinyMaskModel(path, family);
  }
}
