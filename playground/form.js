// The form: options from the API, and the all-in-one request body built from the fields.
import { getJson } from './api.js';
import { fileToBase64 } from './images.js';

const DEFAULT_STYLES = ['Fooocus V2', 'Fooocus Enhance', 'Fooocus Sharp'];
const IP_TYPES = ['ImagePrompt', 'FaceSwap', 'PyraCanny', 'CPDS'];
const $ = (id) => document.getElementById(id);

function option(select, value) {
  const o = document.createElement('option');
  o.textContent = value;
  select.append(o);
}

/** Models and styles from the API; returns what /health says (the demo banner reads it). */
export async function loadOptions() {
  const [models, styles, health] = await Promise.all([
    getJson('/v1/engines/all-models'),
    getJson('/v1/engines/styles'),
    getJson('/health'),
  ]);
  const base = $('base_model_name');
  base.replaceChildren();
  for (const name of models.model_filenames) {
    option(base, name);
    option($('refiner_model_name'), name);
  }
  const box = $('styles');
  box.replaceChildren();
  for (const name of styles) {
    const label = document.createElement('label');
    const input = document.createElement('input');
    input.type = 'checkbox';
    input.name = 'style';
    input.value = name;
    input.checked = DEFAULT_STYLES.includes(name);
    label.append(input, ` ${name}`);
    box.append(label);
  }
  countStyles();
  box.addEventListener('change', countStyles);
  $('styles-filter').addEventListener('input', (e) => {
    const needle = e.target.value.toLowerCase();
    for (const label of box.children) label.hidden = !label.textContent.toLowerCase().includes(needle);
  });
  buildImagePromptSlots();
  return health;
}

function countStyles() {
  $('styles-count').textContent = `(${document.querySelectorAll('input[name=style]:checked').length} selected)`;
}

function buildImagePromptSlots() {
  const slots = $('ip-slots');
  slots.replaceChildren();
  for (let i = 1; i <= 4; i++) {
    const fieldset = document.createElement('fieldset');
    fieldset.innerHTML = `<legend>Image prompt ${i}</legend>
      <label>Image <input type="file" accept="image/*" data-ip="image"></label>
      <label>Type <select data-ip="type">${IP_TYPES.map((t) => `<option>${t}</option>`).join('')}</select></label>
      <label>Stop <input type="number" data-ip="stop" min="0" max="1" step="0.05" value="0.5"></label>
      <label>Weight <input type="number" data-ip="weight" min="0" max="2" step="0.05" value="0.6"></label>`;
    slots.append(fieldset);
  }
}

const numberOf = (id) => Number($(id).value);

/** The all-in-one generate body for the active tab (async: the page follows the task's event stream). */
export async function buildRequest(tab, painter) {
  const body = {
    prompt: $('prompt').value,
    negative_prompt: $('negative_prompt').value,
    style_selections: [...document.querySelectorAll('input[name=style]:checked')].map((i) => i.value),
    performance_selection: $('performance_selection').value,
    aspect_ratios_selection: $('aspect_ratios_selection').value,
    image_number: numberOf('image_number'),
    image_seed: $('image_seed').value.trim() || '-1',
    base_model_name: $('base_model_name').value,
    refiner_model_name: $('refiner_model_name').value,
    guidance_scale: numberOf('guidance_scale'),
    sharpness: numberOf('sharpness'),
    overwrite_step: numberOf('overwrite_step'),
    overwrite_width: numberOf('overwrite_width'),
    overwrite_height: numberOf('overwrite_height'),
    sampler_name: $('sampler_name').value,
    scheduler_name: $('scheduler_name').value,
    output_format: $('output_format').value,
    async_process: true,
  };
  if (tab === 'uov') {
    const file = $('uov-image').files[0];
    if (!file) throw new Error('Upscale / vary: choose an image first');
    Object.assign(body, {
      uov_input_image: await fileToBase64(file),
      uov_method: $('uov_method').value,
      upscale_multiple: numberOf('upscale_value'),
    });
  } else if (tab === 'inpaint') {
    const file = $('inpaint-image').files[0];
    if (!file) throw new Error('Inpaint / outpaint: choose an image first');
    const outpaint = [...document.querySelectorAll('input[name=outpaint]:checked')].map((i) => i.value);
    Object.assign(body, {
      inpaint_input_image: await fileToBase64(file),
      inpaint_mask_image_upload: painter.maskBase64(),
      inpaint_additional_prompt: $('inpaint_additional_prompt').value,
      outpaint_selections: outpaint,
    });
  } else if (tab === 'ip') {
    const slots = [];
    for (const fieldset of $('ip-slots').children) {
      const file = fieldset.querySelector('[data-ip=image]').files[0];
      if (!file) continue;
      slots.push({
        cn_img: await fileToBase64(file),
        cn_type: fieldset.querySelector('[data-ip=type]').value,
        cn_stop: Number(fieldset.querySelector('[data-ip=stop]').value),
        cn_weight: Number(fieldset.querySelector('[data-ip=weight]').value),
      });
    }
    if (slots.length === 0) throw new Error('Image prompts: choose at least one image');
    body.controlnet_image = slots;
  }
  return body;
}
