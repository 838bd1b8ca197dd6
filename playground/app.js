// The playground page: generate with the all-in-one API, watch progress and step previews on the
// task's event stream, see the results, browse and delete history, cancel a running task.
import { apiKey, cancelTask, followTask, postGenerate, setApiKey } from './api.js';
import { buildRequest, loadOptions } from './form.js';
import { History } from './history.js';
import { MaskPainter } from './mask-painter.js';

const $ = (id) => document.getElementById(id);
let activeTab = 'txt2img';
let running = null;

function showError(error) {
  const box = $('error');
  box.textContent = error ? String(error.message ?? error) : '';
  box.hidden = !error;
}

function setStatus(text, percent) {
  $('status').textContent = text;
  if (percent !== undefined) $('progress').value = percent;
}

function showDemoBanner(models) {
  const banner = $('demo-banner');
  banner.hidden = models.length === 0;
  banner.textContent = models.length
    ? `Demo model in use: ${models.join(', ')} is a tiny random-weight checkpoint, so its images are coloured noise. ` +
      'Install a real SDXL ONNX checkpoint under models/checkpoints/ (npm run models -- pull ...) for real images.'
    : '';
}

function addResult(url, index) {
  const figure = document.createElement('figure');
  const img = document.createElement('img');
  img.src = url;
  img.alt = `result ${index + 1}`;
  const caption = document.createElement('figcaption');
  const link = document.createElement('a');
  link.href = url;
  link.textContent = url.split('/').pop();
  caption.append(link);
  figure.append(img, caption);
  $('gallery').prepend(figure);
}

function onEvent(event, isFinal) {
  if (event.demo_model) showDemoBanner([event.demo_model]);
  const eta =
    typeof event.eta_seconds === 'number' ? ` · about ${Math.max(1, Math.round(event.eta_seconds))} s left` : '';
  setStatus(`${event.message}${isFinal ? '' : eta}`, event.progress);
  if (event.preview) {
    $('preview').src = event.preview;
    $('preview').hidden = false;
  }
  if (!isFinal) return;
  $('preview').hidden = true;
  event.images.forEach(addResult);
  if (event.error) showError(new Error(event.error));
}

async function generate(painter, history) {
  showError(null);
  $('generate').disabled = true;
  try {
    const stub = await postGenerate(await buildRequest(activeTab, painter));
    running = { taskId: stub.task_id, abort: new AbortController() };
    $('cancel').disabled = false;
    document.body.dataset.taskId = stub.task_id;
    setStatus('Queued', 0);
    await followTask(stub.task_id, onEvent, running.abort.signal);
  } catch (error) {
    showError(error);
  } finally {
    running = null;
    $('cancel').disabled = true;
    $('generate').disabled = false;
    await history.show(0);
  }
}

function selectTab(tab) {
  activeTab = tab;
  for (const button of document.querySelectorAll('[role=tab]'))
    button.setAttribute('aria-selected', String(button.dataset.tab === tab));
  for (const section of document.querySelectorAll('.mode')) section.hidden = section.dataset.mode !== tab;
}

async function main() {
  $('api-key').value = apiKey();
  $('api-key').addEventListener('change', (e) => {
    setApiKey(e.target.value.trim());
    location.reload();
  });
  const painter = new MaskPainter($('mask-canvas'), $('brush-size'));
  $('inpaint-image').addEventListener(
    'change',
    (e) => e.target.files[0] && painter.load(e.target.files[0]).catch(showError),
  );
  $('mask-clear').addEventListener('click', () => painter.clear());
  for (const button of document.querySelectorAll('[role=tab]'))
    button.addEventListener('click', () => selectTab(button.dataset.tab));
  const history = new History(showError);
  $('generate-form').addEventListener('submit', (e) => {
    e.preventDefault();
    void generate(painter, history);
  });
  $('cancel').addEventListener('click', async () => {
    if (!running) return;
    try {
      await cancelTask(running.taskId);
      setStatus('Cancelling ...');
    } catch (error) {
      showError(error);
    }
  });
  try {
    const health = await loadOptions();
    showDemoBanner(health.demo_models ?? []);
    document.body.dataset.ready = 'true';
  } catch (error) {
    showError(error);
  }
  await history.show(0);
}

void main();
