/**
 * Where each model family lives under the models folder (DECISIONS §4) and which of a hub repo's
 * files it takes: a checkpoint takes only the diffusers-ONNX layout (repos such as SDXL base also
 * hold multi-GB safetensors and OpenVINO files), file families take their model files, folder
 * families take every file.
 */
export type ModelKind =
  | 'checkpoint'
  | 'lora'
  | 'upscaler'
  | 'controlnet'
  | 'prompt-expansion'
  | 'inpaint'
  | 'ip-adapter'
  | 'clip-vision'
  | 'faces'
  | 'describe'
  | 'mask';

export interface KindLayout {
  /** Folder under the models dir. */
  folder: string;
  /** 'named': files go to <folder>/<name>/ keeping their paths; 'flat': files go straight into <folder>/. */
  placement: 'named' | 'flat';
  /** Which repo paths (relative to --subfolder) to take. */
  accepts(path: string): boolean;
}

const ONNX_PARTS = ['text_encoder', 'text_encoder_2', 'unet', 'vae_decoder', 'vae_encoder'];
const CHECKPOINT_FILE = new RegExp(
  `^(model_index\\.json|(scheduler|tokenizer|tokenizer_2)/[^/]+|(${ONNX_PARTS.join('|')})/(model\\.onnx|model\\.onnx_data|model\\.onnx\\.data|config\\.json))$`,
);
const NOT_REPO_CLUTTER = (path: string) => !/(^|\/)\.gitattributes$|\.md$/i.test(path);

export const MODEL_KINDS: Readonly<Record<ModelKind, KindLayout>> = {
  checkpoint: { folder: 'checkpoints', placement: 'named', accepts: (p) => CHECKPOINT_FILE.test(p) },
  lora: { folder: 'loras', placement: 'flat', accepts: (p) => /\.safetensors$/i.test(p) },
  upscaler: { folder: 'upscale_models', placement: 'flat', accepts: (p) => /\.onnx(_data)?$/i.test(p) },
  controlnet: { folder: 'controlnet', placement: 'named', accepts: NOT_REPO_CLUTTER },
  'prompt-expansion': { folder: 'prompt_expansion', placement: 'named', accepts: NOT_REPO_CLUTTER },
  inpaint: { folder: 'inpaint', placement: 'named', accepts: NOT_REPO_CLUTTER },
  'ip-adapter': { folder: 'ip_adapter', placement: 'named', accepts: NOT_REPO_CLUTTER },
  'clip-vision': { folder: 'clip_vision', placement: 'named', accepts: NOT_REPO_CLUTTER },
  faces: { folder: 'faces', placement: 'named', accepts: NOT_REPO_CLUTTER },
  describe: { folder: 'describe', placement: 'named', accepts: NOT_REPO_CLUTTER },
  mask: { folder: 'mask', placement: 'named', accepts: NOT_REPO_CLUTTER },
};

export const KIND_NAMES = Object.keys(MODEL_KINDS) as ModelKind[];

export function parseKind(value: string): ModelKind {
  const kind = value.trim().toLowerCase().replace(/_/g, '-');
  if ((KIND_NAMES as string[]).includes(kind)) return kind as ModelKind;
  throw new Error(`--kind '${value}' is unknown; available: ${KIND_NAMES.join(', ')}`);
}
