/**
 * FaceSwap's preprocessing (fooocus-semantics.md §8.4): the best face of the image by an ONNX
 * RetinaFace detector under `models/faces/` (retinaface-decode.ts), aligned to 512×512
 * (face-align.ts); the whole image when no face is found, as Fooocus. A real detector wins over the
 * demo (tiny-face-detector.ts); several real ones are taken in name order. The detector sees the
 * image as facexlib feeds it: BGR, 0..255 minus the RetinaFace means, NCHW, at the image's own size
 * (or stretched to a fixed input size, the landmarks scaled back).
 */
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { modelMissing } from '../errors.ts';
import { resampleLanczos, type Bitmap8 } from '../image/lanczos-resample.ts';
import type { OnnxSession } from '../onnx/session.ts';
import type { ProviderSelector } from '../onnx/providers.ts';
import { alignFace } from './face-align.ts';
import { decodeRetinaface, RETINAFACE_BGR_MEAN, type DetectedFace } from './retinaface-decode.ts';

export const FACES_FOLDER = 'faces';
export const TINY_DEMO_FACE_DETECTOR_FILE = 'tiny-face-detector-demo.onnx';
const MIN_DETECTOR_SIDE = 32;

export interface FaceDetectorFile {
  path: string;
  name: string;
  isDemo: boolean;
}

async function onnxFiles(dir: string): Promise<{ files: string[]; folders: string[] }> {
  try {
    const entries = (await readdir(dir, { withFileTypes: true })).filter((e) => !e.name.startsWith('.'));
    return {
      files: entries
        .filter((e) => e.isFile() && e.name.toLowerCase().endsWith('.onnx'))
        .map((e) => e.name)
        .sort(),
      folders: entries
        .filter((e) => e.isDirectory())
        .map((e) => e.name)
        .sort(),
    };
  } catch {
    return { files: [], folders: [] };
  }
}

/**
 * `models/faces/<file>.onnx`, or the first `.onnx` in a `models/faces/<name>/` folder (where
 * `npm run models -- pull … --kind faces` puts a repo's files).
 */
export async function findFaceDetector(modelsDir: string): Promise<FaceDetectorFile | null> {
  const dir = join(modelsDir, FACES_FOLDER);
  const top = await onnxFiles(dir);
  const candidates = top.files.map((name) => ({ name, path: join(dir, name) }));
  for (const folder of top.folders) {
    const first = (await onnxFiles(join(dir, folder))).files[0];
    if (first) candidates.push({ name: `${folder}/${first}`, path: join(dir, folder, first) });
  }
  const chosen =
    candidates.find((c) => c.name !== TINY_DEMO_FACE_DETECTOR_FILE) ??
    candidates.find((c) => c.name === TINY_DEMO_FACE_DETECTOR_FILE);
  return chosen ? { ...chosen, isDemo: chosen.name === TINY_DEMO_FACE_DETECTOR_FILE } : null;
}

/** Picks the detector's outputs by their last dimension: 4 = boxes, 2 = scores, 10 = landmarks. */
function outputsByWidth(session: OnnxSession): { loc: string; conf: string; landms: string } | null {
  const byWidth = (w: number) => session.outputs.find((o) => o.shape[o.shape.length - 1] === w)?.name;
  const loc = byWidth(4);
  const conf = byWidth(2);
  const landms = byWidth(10);
  return loc && conf && landms ? { loc, conf, landms } : null;
}

export class FaceDetector {
  private constructor(
    private readonly session: OnnxSession,
    readonly file: FaceDetectorFile,
    private readonly names: { loc: string; conf: string; landms: string },
  ) {}

  static async load(file: FaceDetectorFile, providers: ProviderSelector): Promise<FaceDetector> {
    const session = await providers.createSession(file.path, `faces/${file.name}`);
    const names = outputsByWidth(session);
    if (!names || session.inputs.length !== 1) {
      await session.release();
      throw modelMissing(
        `faces/${file.name}: expected one image input and RetinaFace outputs (boxes […,4], scores […,2], landmarks […,10]); see README`,
        'controlnet_image',
      );
    }
    return new FaceDetector(session, file, names);
  }

  /** Faces best first, in the image's pixels. */
  async detect(image: Bitmap8): Promise<DetectedFace[]> {
    const input = this.session.inputs[0];
    const fixedH = typeof input.shape[2] === 'number' ? input.shape[2] : undefined;
    const fixedW = typeof input.shape[3] === 'number' ? input.shape[3] : undefined;
    // A side below the coarsest stride (32) leaves that feature level without a cell: enlarge such images.
    const grow = Math.max(1, MIN_DETECTOR_SIDE / Math.min(image.width, image.height));
    const fed =
      fixedW && fixedH
        ? fixedW !== image.width || fixedH !== image.height
          ? resampleLanczos(image, fixedW, fixedH)
          : image
        : grow > 1
          ? resampleLanczos(image, Math.ceil(image.width * grow), Math.ceil(image.height * grow))
          : image;
    const plane = fed.width * fed.height;
    const pixels = new Float32Array(3 * plane);
    for (let p = 0; p < plane; p++) {
      // BGR order: channel 0 is blue.
      for (let c = 0; c < 3; c++) pixels[c * plane + p] = fed.data[p * fed.channels + (2 - c)] - RETINAFACE_BGR_MEAN[c];
    }
    const out = await this.session.run({ [input.name]: { data: pixels, dims: [1, 3, fed.height, fed.width] } }, [
      this.names.loc,
      this.names.conf,
      this.names.landms,
    ]);
    const faces = decodeRetinaface(
      out[this.names.loc].data,
      out[this.names.conf].data,
      out[this.names.landms].data,
      fed.width,
      fed.height,
    );
    const sx = image.width / fed.width;
    const sy = image.height / fed.height;
    return faces.map((f) => ({
      score: f.score,
      box: [f.box[0] * sx, f.box[1] * sy, f.box[2] * sx, f.box[3] * sy],
      landmarks: f.landmarks.map(([x, y]) => [x * sx, y * sy] as [number, number]),
    }));
  }

  release(): Promise<void> {
    return this.session.release();
  }
}

/** The detector loaded on first use, kept while the same file is installed. */
export class FaceCropper {
  private detector: FaceDetector | null = null;

  constructor(
    private readonly modelsDir: string,
    private readonly providers: ProviderSelector,
  ) {}

  async crop(image: Bitmap8, warnings: string[]): Promise<Bitmap8> {
    const file = await findFaceDetector(this.modelsDir);
    const folder = join(this.modelsDir, FACES_FOLDER);
    if (!file) {
      const message =
        `FaceSwap needs a face detector: no .onnx under ${folder} ` +
        "(export RetinaFace-R50, Fooocus's detection_Resnet50_Final.pth, to ONNX there; see README)";
      throw modelMissing(message, 'controlnet_image');
    }
    const say = (w: string) => {
      if (!warnings.includes(w)) warnings.push(w);
    };
    if (file.isDemo)
      say(
        `FaceSwap faces found by the tiny demo face detector ${file.name}: install a real RetinaFace ONNX export under ${folder} (see README)`,
      );
    if (this.detector?.file.path !== file.path) {
      await this.detector?.release();
      this.detector = null;
      this.detector = await FaceDetector.load(file, this.providers);
    }
    const faces = await this.detector.detect(image);
    if (faces.length === 0) {
      say('FaceSwap: no face detected in an image prompt; the whole image was used (as Fooocus)');
      return image;
    }
    return alignFace(image, faces[0].landmarks);
  }

  async release(): Promise<void> {
    await this.detector?.release();
    this.detector = null;
  }
}
