/**
 * LoRA tensor names → (component, diffusers module path, role). Two families exist for SDXL
 * (onnx-sdxl-engine.md §5.3):
 *  - kohya: `lora_unet_input_blocks_4_1_transformer_blocks_0_attn1_to_q.lora_down.weight`
 *    (`.lora_up.weight`, `.alpha`), `lora_te1_…` / `lora_te2_…` (SD1.x `lora_te_…` = te1). The module
 *    path is flattened with `_`, so it is rebuilt from a vocabulary of names that contain `_`;
 *    SDXL UNet paths are in SGM naming and are mapped to diffusers (sdxl-block-names.ts), older
 *    kohya files with diffusers-style UNet names are taken as they are.
 *  - diffusers / PEFT: `unet.<path>.lora_A.weight` (down) / `.lora_B.weight` (up), `text_encoder.…`,
 *    `text_encoder_2.…`, optional `.alpha`; also the older `.lora.down/.up`,
 *    `.lora_linear_layer.down/.up` and attention-processor (`attn1.processor.to_q_lora.down`) spellings.
 */
import { sgmToDiffusers } from './sdxl-block-names.ts';

export type LoraComponent = 'unet' | 'te1' | 'te2';
export type LoraRole = 'down' | 'up' | 'alpha';

export interface LoraKey {
  component: LoraComponent;
  /** diffusers module path, e.g. `down_blocks.1.attentions.0.transformer_blocks.0.attn1.to_q`. */
  modulePath: string;
  role: LoraRole;
}

/** A module a LoRA file patches: the names of its tensors in the file. */
export interface LoraModuleKeys {
  component: LoraComponent;
  modulePath: string;
  down: string;
  up: string;
  alpha?: string;
}

/** Module names that contain `_`, as `_`-joined token runs; matched longest first. */
const COMPOUNDS = [
  'input_blocks',
  'middle_block',
  'output_blocks',
  'time_embed',
  'label_emb',
  'in_layers',
  'out_layers',
  'emb_layers',
  'skip_connection',
  'transformer_blocks',
  'proj_in',
  'proj_out',
  'to_q',
  'to_k',
  'to_v',
  'to_out',
  'down_blocks',
  'mid_block',
  'up_blocks',
  'conv_in',
  'conv_out',
  'conv_norm_out',
  'conv_shortcut',
  'time_emb_proj',
  'time_embedding',
  'add_embedding',
  'linear_1',
  'linear_2',
  'text_model',
  'self_attn',
  'q_proj',
  'k_proj',
  'v_proj',
  'out_proj',
  'layer_norm1',
  'layer_norm2',
  'final_layer_norm',
  'text_projection',
  'token_embedding',
  'position_embedding',
]
  .map((c) => c.split('_'))
  .sort((a, b) => b.length - a.length);

/** `input_blocks_4_1_transformer_blocks_0_attn1_to_q` → `input_blocks.4.1.transformer_blocks.0.attn1.to_q`. */
export function unflattenKohyaName(flat: string): string {
  const tokens = flat.split('_');
  const parts: string[] = [];
  for (let i = 0; i < tokens.length;) {
    const compound = COMPOUNDS.find((c) => c.every((t, k) => tokens[i + k] === t));
    const take = compound ? compound.length : 1;
    parts.push(tokens.slice(i, i + take).join('_'));
    i += take;
  }
  return parts.join('.');
}

const KOHYA = /^lora_(unet|te1|te2|te)_(.+)\.(lora_down\.weight|lora_up\.weight|alpha)$/;
const KOHYA_ROLE: Record<string, LoraRole> = { 'lora_down.weight': 'down', 'lora_up.weight': 'up', alpha: 'alpha' };
const SGM_ROOTS = /^(input_blocks|middle_block|output_blocks|time_embed|label_emb|out)\./;

function parseKohya(key: string): LoraKey | undefined {
  const m = KOHYA.exec(key);
  if (!m) return undefined;
  const component: LoraComponent = m[1] === 'unet' ? 'unet' : m[1] === 'te2' ? 'te2' : 'te1';
  let modulePath: string | undefined = unflattenKohyaName(m[2]);
  if (component === 'unet' && SGM_ROOTS.test(modulePath)) modulePath = sgmToDiffusers(modulePath);
  return modulePath === undefined ? undefined : { component, modulePath, role: KOHYA_ROLE[m[3]] };
}

const DIFFUSERS_SUFFIX: [RegExp, LoraRole][] = [
  [/\.lora_A(?:\.[^.]+)?\.weight$/, 'down'],
  [/\.lora_B(?:\.[^.]+)?\.weight$/, 'up'],
  [/(?:\.lora|_lora|\.lora_linear_layer)\.down\.weight$/, 'down'],
  [/(?:\.lora|_lora|\.lora_linear_layer)\.up\.weight$/, 'up'],
  [/\.lora_down\.weight$/, 'down'],
  [/\.lora_up\.weight$/, 'up'],
  [/\.alpha$/, 'alpha'],
];

const DIFFUSERS_PREFIX: [string, LoraComponent][] = [
  ['text_encoder_2.', 'te2'],
  ['text_encoder.', 'te1'],
  ['unet.', 'unet'],
];

function parseDiffusers(key: string): LoraKey | undefined {
  const suffix = DIFFUSERS_SUFFIX.find(([re]) => re.test(key));
  if (!suffix) return undefined;
  let path = key.replace(suffix[0], '').replace(/^base_model\.model\./, '');
  const prefix = DIFFUSERS_PREFIX.find(([p]) => path.startsWith(p));
  if (prefix) path = path.slice(prefix[0].length);
  // Attention-processor LoRAs name the projection inside the processor; to_out is to_out.0 in the model.
  path = path.replace(/\.processor\.(to_q|to_k|to_v|to_out)$/, (_, p: string) =>
    p === 'to_out' ? '.to_out.0' : `.${p}`,
  );
  const component = prefix?.[1] ?? (path.startsWith('text_model.') ? 'te1' : 'unet');
  return path ? { component, modulePath: path, role: suffix[1] } : undefined;
}

/** Parses one tensor name; undefined for names that are not LoRA down/up/alpha tensors we understand. */
export function parseLoraKey(key: string): LoraKey | undefined {
  return key.startsWith('lora_') ? parseKohya(key) : parseDiffusers(key);
}

/**
 * Groups a file's tensor names into modules with both a down and an up tensor. `ignored` lists
 * names we could not place (LyCORIS variants, DoRA magnitudes, unknown blocks) and halves of
 * modules missing their partner, so the caller can report them.
 */
export function groupLoraKeys(keys: Iterable<string>): { modules: LoraModuleKeys[]; ignored: string[] } {
  const byModule = new Map<
    string,
    { component: LoraComponent; modulePath: string; down?: string; up?: string; alpha?: string }
  >();
  const ignored: string[] = [];
  for (const key of keys) {
    const parsed = parseLoraKey(key);
    if (!parsed) {
      ignored.push(key);
      continue;
    }
    const id = `${parsed.component}:${parsed.modulePath}`;
    const entry = byModule.get(id) ?? { component: parsed.component, modulePath: parsed.modulePath };
    if (entry[parsed.role] !== undefined) ignored.push(key);
    else entry[parsed.role] = key;
    byModule.set(id, entry);
  }
  const modules: LoraModuleKeys[] = [];
  for (const entry of byModule.values()) {
    if (entry.down !== undefined && entry.up !== undefined)
      modules.push({
        component: entry.component,
        modulePath: entry.modulePath,
        down: entry.down,
        up: entry.up,
        ...(entry.alpha === undefined ? {} : { alpha: entry.alpha }),
      });
    else ignored.push(...[entry.down, entry.up, entry.alpha].filter((k): k is string => k !== undefined));
  }
  return { modules, ignored };
}
