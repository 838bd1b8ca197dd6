/**
 * Sampler names as A1111/Civitai display them (fooocus-semantics §4.1), used by the a1111
 * metadata scheme. Samplers without a display name keep their own name.
 */

const DISPLAY_NAMES: Readonly<Record<string, string>> = {
  euler: 'Euler',
  euler_ancestral: 'Euler a',
  heun: 'Heun',
  dpm_2: 'DPM2',
  dpm_2_ancestral: 'DPM2 a',
  lms: 'LMS',
  dpm_fast: 'DPM fast',
  dpm_adaptive: 'DPM adaptive',
  dpmpp_2s_ancestral: 'DPM++ 2S a',
  dpmpp_sde: 'DPM++ SDE',
  dpmpp_sde_gpu: 'DPM++ SDE',
  dpmpp_2m: 'DPM++ 2M',
  dpmpp_2m_sde: 'DPM++ 2M SDE',
  dpmpp_2m_sde_gpu: 'DPM++ 2M SDE',
  lcm: 'LCM',
  tcd: 'TCD',
  restart: 'Restart',
  ddim: 'DDIM',
  uni_pc: 'UniPC',
};

/** Samplers whose display name never takes the ` Karras` suffix (Civitai lists no Karras variant). */
const NO_KARRAS = new Set(['euler', 'euler_ancestral', 'heun', 'dpm_fast', 'dpm_adaptive', 'ddim', 'uni_pc']);

/** `dpmpp_2m_sde_gpu` + `karras` → `DPM++ 2M SDE Karras`; unmapped samplers (`heunpp2`, `ddpm`, …) stay as they are. */
export function a1111SamplerName(sampler: string, scheduler: string): string {
  const display = Object.hasOwn(DISPLAY_NAMES, sampler) ? DISPLAY_NAMES[sampler] : undefined;
  if (display === undefined) return sampler;
  return scheduler === 'karras' && !NO_KARRAS.has(sampler) ? `${display} Karras` : display;
}
