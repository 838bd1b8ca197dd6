/**
 * What a job needs from the Fooocus models folder, imported before the job loads anything: its
 * checkpoint and refiner when they are Fooocus names, and the model files of the modes it uses.
 * A first import takes minutes on a real checkpoint: the task's progress message says so.
 */
import { EngineError, invalidInput } from '../errors.ts';
import { join } from 'node:path';
import { checkpointDir, listCheckpoints, listVaes, resolveCheckpointName } from '../models/registry.ts';
import type { EngineJob } from '../protocol.ts';
import type { FooocusFileKind } from './fooocus-folder.ts';
import type { FooocusImports } from './fooocus-imports.ts';

/** Kinds a job uses besides its checkpoints; links-only kinds (LoRAs, embeddings) always, they cost nothing. */
export function kindsForJob(job: EngineJob): FooocusFileKind[] {
  const kinds: FooocusFileKind[] = ['lora', 'embedding', 'ip-negative'];
  const input = job.imageInput;
  if (input?.kind === 'upscale-or-vary' && input.method.startsWith('Upscale')) kinds.push('upscaler');
  if (input?.kind === 'inpaint' && input.engine !== 'None') kinds.push('inpaint-head', 'inpaint-patch');
  const types = new Set((job.imagePrompts ?? []).map((p) => p.type));
  if (types.has('ImagePrompt') || types.has('FaceSwap')) kinds.push('clip-vision', 'ip-adapter');
  if (job.styles.includes('Fooocus V2')) kinds.push('expansion');
  return kinds;
}

export async function importForJob(
  imports: FooocusImports,
  modelsDir: string,
  job: EngineJob,
  report: (message: string) => void | Promise<void>,
): Promise<void> {
  const log = (line: string) => void report(line);
  const installed = await listCheckpoints(modelsDir);
  for (const name of [job.model, job.refiner?.model]) {
    if (name === undefined || resolveCheckpointName(installed, name) !== null) continue;
    await report(`Importing ${name} from the Fooocus models folder ...`);
    // A checkpoint file that cannot be imported is the request's choice: a 422 naming the field.
    await imports.installCheckpoint(name, { log }).catch((error: unknown) => {
      throw error instanceof EngineError
        ? error
        : invalidInput(name === job.model ? 'model' : 'refiner', message(error));
    });
  }
  if (job.vae !== undefined && !(await listVaes(modelsDir)).some((name) => sameStem(name, job.vae!))) {
    await report(`Importing ${job.vae} from the Fooocus models folder ...`);
    await imports.installVae(job.vae, { log }).catch((error: unknown) => {
      throw error instanceof EngineError ? error : invalidInput('vae_name', message(error));
    });
  }
  const failed = (error: unknown) => {
    throw error instanceof EngineError ? error : new EngineError('runtime-failure', message(error), { cause: error });
  };
  await imports.installKinds(kindsForJob(job), { log }).catch(failed);
  const types = new Set((job.controlNet?.slots ?? []).map((slot) => slot.type));
  if (types.size > 0) {
    const base = resolveCheckpointName(await listCheckpoints(modelsDir), job.model);
    if (base === null) return; // the pipeline says which checkpoint is missing
    const pattern = new RegExp(
      [types.has('PyraCanny') ? 'canny' : '', types.has('CPDS') ? 'cpds' : ''].filter(Boolean).join('|'),
      'i',
    );
    await imports.installControlLoras(join(checkpointDir(modelsDir, base), 'unet'), pattern, { log }).catch(failed);
  }
}

function message(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** Names as clients send them match folders with or without a file suffix (resolveCheckpointName's rule). */
function sameStem(installed: string, requested: string): boolean {
  return resolveCheckpointName([installed], requested) !== null;
}
