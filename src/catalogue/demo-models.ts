/** The demo models written on first start when no real model of a family is installed (DECISIONS §4). */
import { join } from 'node:path';
import {
  CONTROLNET_FOLDER,
  findControlNet,
  TINY_DEMO_CONTROLNET_NAME,
  writeTinyControlNet,
  CLIP_VISION_FOLDER,
  DEMO_CLIP_VISION,
  DEMO_FACE_IP_ADAPTER,
  DEMO_IP_ADAPTER,
  FACES_FOLDER,
  findClipVision,
  findFaceDetector,
  findIpAdapter,
  IP_ADAPTER_FOLDER,
  TINY_DEMO_FACE_DETECTOR_FILE,
  writeTinyClipVision,
  writeTinyFaceDetector,
  writeTinyIpAdapter,
  findUpscaler,
  listCheckpoints,
  TINY_DEMO_MODEL_NAME,
  TINY_DEMO_UPSCALER_FILE,
  UPSCALE_MODELS_FOLDER,
  writeTinyCheckpoint,
  writeTinyUpscaler,
} from '../../engine/index.ts';
import type { Config } from '../config/config.ts';
import type { Logger } from '../logging/logger.ts';

/**
 * The demo is shaped like a current optimum export (float32 scalar timestep, so the continuous
 * `edm_playground_v2.5` timestep runs) with up-block skip Concats (so FreeU runs): every generation
 * option works on it.
 */
const DEMO_CHECKPOINT_SHAPE = { timestep: 'float32-scalar', upBlocks: true } as const;

/**
 * With no checkpoint installed, writes the tiny random-weight demo checkpoint; returns its name while it is the one in
 * use.
 */
export async function ensureDemoCheckpoint(config: Config, logger: Logger): Promise<string | null> {
  if (!config.isDemoModelEnabled) return null;
  const installed = await listCheckpoints(config.modelsDir);
  if (installed.length > 0 && !(installed.length === 1 && installed[0] === TINY_DEMO_MODEL_NAME)) return null;
  if (installed.length === 0) {
    logger.info(
      `no checkpoint under ${join(config.modelsDir, 'checkpoints')}: writing the tiny random-weight demo checkpoint '${TINY_DEMO_MODEL_NAME}'`,
    );
    await writeTinyCheckpoint(join(config.modelsDir, 'checkpoints', TINY_DEMO_MODEL_NAME), DEMO_CHECKPOINT_SHAPE);
  }
  logger.warn(
    `using the demo checkpoint '${TINY_DEMO_MODEL_NAME}': its images are noise. Install a real SDXL ONNX checkpoint under models/checkpoints/<name>/`,
  );
  return TINY_DEMO_MODEL_NAME;
}

/** With no super-resolution model installed, writes the demo upscaler beside the demo checkpoint. */
export async function ensureDemoUpscaler(config: Config, logger: Logger): Promise<void> {
  if (!config.isDemoModelEnabled || (await findUpscaler(config.modelsDir)) !== null) return;
  logger.info(
    `no super-resolution model under ${join(config.modelsDir, UPSCALE_MODELS_FOLDER)}: writing the tiny demo upscaler '${TINY_DEMO_UPSCALER_FILE}'`,
  );
  await writeTinyUpscaler(join(config.modelsDir, UPSCALE_MODELS_FOLDER, TINY_DEMO_UPSCALER_FILE));
}

/**
 * With no ControlNet installed, writes the demo ControlNet (PyraCanny and CPDS run on it, saying
 * so). Shaped for the demo checkpoint's UNet: with a real SDXL checkpoint, install real ControlNets.
 */
export async function ensureDemoControlNet(config: Config, logger: Logger): Promise<void> {
  if (!config.isDemoModelEnabled) return;
  if (
    (await findControlNet(config.modelsDir, 'PyraCanny')) !== null ||
    (await findControlNet(config.modelsDir, 'CPDS')) !== null
  )
    return;
  logger.info(
    `no ControlNet under ${join(config.modelsDir, CONTROLNET_FOLDER)}: writing the tiny demo ControlNet '${TINY_DEMO_CONTROLNET_NAME}'`,
  );
  await writeTinyControlNet(join(config.modelsDir, CONTROLNET_FOLDER, TINY_DEMO_CONTROLNET_NAME));
}

/**
 * With no real model of the IP-Adapter family installed (CLIP vision, the ImagePrompt and FaceSwap
 * adapters, the face detector), writes each one's demo, so image prompts run out of the box and
 * say so (engine/ip-adapter/tiny-ip-models.ts, engine/faces/tiny-face-detector.ts).
 */
export async function ensureDemoImagePromptModels(config: Config, logger: Logger): Promise<void> {
  if (!config.isDemoModelEnabled) return;
  const dir = config.modelsDir;
  if ((await findClipVision(dir)) === null) {
    logger.info(
      `no CLIP vision model under ${join(dir, CLIP_VISION_FOLDER)}: writing the tiny demo '${DEMO_CLIP_VISION}'`,
    );
    await writeTinyClipVision(join(dir, CLIP_VISION_FOLDER, DEMO_CLIP_VISION));
  }
  for (const [kind, name, seed] of [
    ['ImagePrompt', DEMO_IP_ADAPTER, 4202],
    ['FaceSwap', DEMO_FACE_IP_ADAPTER, 4303],
  ] as const) {
    if (!('reason' in (await findIpAdapter(dir, kind)))) continue;
    logger.info(`no ${kind} IP-Adapter under ${join(dir, IP_ADAPTER_FOLDER)}: writing the tiny demo '${name}'`);
    await writeTinyIpAdapter(join(dir, IP_ADAPTER_FOLDER, name), seed);
  }
  if ((await findFaceDetector(dir)) === null) {
    logger.info(
      `no face detector under ${join(dir, FACES_FOLDER)}: writing the tiny demo '${TINY_DEMO_FACE_DETECTOR_FILE}'`,
    );
    await writeTinyFaceDetector(join(dir, FACES_FOLDER, TINY_DEMO_FACE_DETECTOR_FILE));
  }
}
