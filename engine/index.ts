/**
 * The engine's one entry point. The gateway imports the engine only from here (the engine itself
 * runs in a child process started from engine/worker.ts; onnxruntime loads with the first session,
 * not with this module). As a library (`import { ... } from 'fooocus-gateway/engine'`), usable
 * without the server: the tokenizer, the schedules and samplers by Fooocus name (the same code the
 * pipeline runs), the model samplings, the Fooocus V2 expansion, the SDXL pipeline itself (text
 * and image jobs), and the tiny checkpoint and demo upscaler generators. Built to dist/engine by `npm run build`; plain
 * `node` imports it, no
 * loader needed.
 */
export { ClipTokenizer } from './tokenizer/clip-tokenizer.ts';
export { toPromptChunks } from './text-encoders/prompt-chunks.ts';
export {
  REFUSED_SAMPLERS,
  SAMPLER_ALIASES,
  SAMPLERS,
  sample,
  type Denoiser,
  type SampleOptions,
} from './samplers/index.ts';
export {
  SCHEDULERS,
  SDXL_SIGMA_MAX,
  SDXL_SIGMA_MIN,
  karrasSigmas,
  schedule,
  sigmaTable,
  sigmaToTimestep,
} from './schedulers/sigmas.ts';
export { createNormalRng, type NormalRng } from './random/normal-rng.ts';
export { SdxlPipeline, type SdxlPipelineOptions } from './pipeline/sdxl-pipeline.ts';
export type { JobContext } from './pipeline/job-context.ts';
export { DEVICES, ProviderSelector, parseDevice, providerChain, type Device } from './onnx/providers.ts';
export {
  checkpointDir,
  listCheckpoints,
  listLoras,
  listVaes,
  VAE_FOLDER,
  resolveCheckpointName,
  TINY_DEMO_MODEL_NAME,
} from './models/registry.ts';
export { refinerUnsupportedReasonAt } from './pipeline/refiner.ts';
export { freeuUnsupportedReasonAt } from './unet/freeu-graph.ts';
export { FOOOCUS_STYLE_NAMES } from './styles/fooocus-style-names.ts';
export { allowFileUrlFetch } from './image/wasm-file-fetch.ts';
export { moduleWorker, siblingModule } from './threads/module-worker.ts';
export { writeTinyCheckpoint, type TinyCheckpointOptions } from './models/tiny-checkpoint.ts';
export { TINY_DEMO_UPSCALER_FILE, writeTinyUpscaler } from './models/tiny-upscaler.ts';
export { findUpscaler, UPSCALE_MODELS_FOLDER } from './uov/upscaler-files.ts';
export { findExpansionModel, type ExpansionModelFiles } from './expansion/expansion-files.ts';
export { PromptExpansion } from './expansion/expansion-model.ts';
export { Gpt2Tokenizer } from './expansion/gpt2-tokenizer.ts';
export {
  DEMO_CLIP_VISION,
  DEMO_FACE_IP_ADAPTER,
  DEMO_IP_ADAPTER,
  CLIP_VISION_FOLDER,
  IP_ADAPTER_FOLDER,
  findClipVision,
  findIpAdapter,
  isFaceAdapterName,
} from './ip-adapter/ip-adapter-files.ts';
export { writeTinyClipVision, writeTinyIpAdapter } from './ip-adapter/tiny-ip-models.ts';
export { ipUnsupportedReasonAt } from './ip-adapter/ip-attention-graph.ts';
export { convertClipVision, convertIpAdapter } from './ip-adapter/convert/convert-files.ts';
export { FACES_FOLDER, TINY_DEMO_FACE_DETECTOR_FILE, findFaceDetector } from './faces/face-cropper.ts';
export { writeTinyFaceDetector } from './faces/tiny-face-detector.ts';
export { continuousEdmSampling, discreteEpsSampling, type ModelSampling } from './unet/model-sampling.ts';
export { CAPTIONER_MISSING, TAGGER_MISSING, type DescribeKind } from './describe/describer.ts';
export {
  DESCRIBE_FOLDER,
  findCaptioner,
  findTagger,
  TINY_DEMO_CAPTIONER_FOLDER,
  TINY_DEMO_TAGGER_FOLDER,
} from './describe/describe-files.ts';
export { writeTinyCaptioner, writeTinyTagger } from './describe/tiny-describe-models.ts';
export { demoMaskFile, findMaskModel } from './masks/mask-files.ts';
export {
  CLOTH_CATEGORIES,
  MASK_FOLDER,
  REMBG_MODEL_NAMES,
  REMBG_MODELS,
  rembgDownloadUrl,
  rembgModelSpec,
} from './masks/rembg-models.ts';
export { writeTinyMaskModel } from './masks/tiny-mask-model.ts';
export type { DescribeImageType, ToolReply, ToolRequest } from './tools/tools-protocol.ts';
export type {
  EngineImageMessage,
  EngineImagePrompt,
  ImagePromptType,
  EngineInfo,
  EngineInputImage,
  EngineJob,
  EngineProgressMessage,
  EngineToGateway,
  GatewayToEngine,
  InpaintEngineVersion,
  InpaintInput,
  OutpaintSide,
  OutputFormat,
  RefinerSwapMethod,
  UovMethodName,
  UpscaleOrVaryInput,
} from './protocol.ts';
// ---- ControlNet image prompts (issue 11: PyraCanny, CPDS) ----
export type { ControlNetJob, ControlNetSlotJob, ControlNetTypeName } from './protocol.ts';
export { TINY_DEMO_CONTROLNET_NAME, writeTinyControlNet } from './controlnet/tiny-controlnet.ts';
export { CONTROLNET_FOLDER, controlNetInstallHint, findControlNet } from './controlnet/controlnet-files.ts';
// ---- end ControlNet ----
export {
  classifyFooocusFile,
  classifyFooocusPath,
  readFooocusLayout,
  scanFooocusFiles,
  type FooocusFile,
  type FooocusFileKind,
  type FooocusLayout,
} from './import/fooocus-folder.ts';
export { importCacheRoot, isImportLink } from './import/import-cache.ts';
export { FooocusImports } from './import/fooocus-imports.ts';
// ---- Control-LoRA import (issue 16: Fooocus's PyraCanny and CPDS files → ControlNet ONNX) ----
export {
  CONTROL_LORA_MANIFEST,
  controlLoraKey,
  convertControlLora,
  type ConvertControlLoraOptions,
  type ControlLoraSummary,
} from './import/control-lora/convert-control-lora.ts';
export { ControlLoraError, type ControlLoraProblem } from './import/control-lora/control-lora-error.ts';
// ---- end Control-LoRA import ----
// ---- Single-file checkpoint import (issue 16) ----
export {
  checkCheckpointFile,
  importCheckpoint,
  type ImportOptions as CheckpointImportOptions,
  type ImportReport as CheckpointImportReport,
} from './import/checkpoint/import-checkpoint.ts';
export { importVae } from './import/checkpoint/import-vae.ts';
export { CheckpointImportError } from './import/checkpoint/checkpoint-import-error.ts';
// ---- end checkpoint import ----
// ---- Fooocus's own model files (issue 16 item 2): the safe PyTorch reader and the conversions ----
export { TorchFileError } from './import/torch/torch-file-error.ts';
export { openTorchFile } from './import/torch/torch-opener.ts';
export { TorchTensorSource, type RawTensor } from './import/torch/torch-tensor-source.ts';
export { ModelConversionError } from './import/fooocus/conversion-error.ts';
export { convertEsrganUpscaler, upscalerTargetPath, type EsrganSummary } from './import/fooocus/esrgan-upscaler.ts';
export {
  convertInpaintHead,
  convertInpaintPatch,
  convertedPatchName,
  inpaintTargetPath,
  INPAINT_HEAD_SOURCE,
} from './import/fooocus/inpaint-files.ts';
export {
  convertExpansionModel,
  expansionTargetDir,
  EXPANSION_SOURCE_WEIGHTS,
  type ExpansionSummary,
} from './import/fooocus/gpt2-expansion.ts';
export { fooocusConverters, type FooocusConversionOptions } from './import/fooocus-converters.ts';
// ---- end Fooocus's own model files ----
