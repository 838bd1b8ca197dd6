/** While the demo checkpoint is in use, the served documents say so at the top (Swagger UI, ReDoc). */
export function demoNotice(demoModelName: string): string {
  return (
    `**Demo model in use:** no SDXL checkpoint is installed, so this server runs the tiny random-weight ` +
    `demo checkpoint \`${demoModelName}\`. Its images are coloured noise, and every reply that uses it ` +
    "says so (`X-Fooocus-Warnings`, the task's `warnings`, `demo_models` in `/health`). Install a real " +
    'SDXL ONNX checkpoint under `models/checkpoints/<name>/` (`npm run models -- pull ...`) and restart.'
  );
}

/** Prepends the notice to `info.description` (mutates the fresh document). */
export function addDemoNotice(document: Record<string, unknown>, demoModelName: string | null): void {
  if (!demoModelName) return;
  const info = (document.info ??= {}) as Record<string, unknown>;
  const description = typeof info.description === 'string' ? info.description : '';
  info.description = `${demoNotice(demoModelName)}\n\n${description}`;
}
