/**
 * `/v1/tools/describe-image` in the engine (fooocus-semantics §9): Photo → a caption sentence from
 * the captioner, Anime → WD14 tags. The models load on first use and stay loaded.
 */
import { readFile } from 'node:fs/promises';
import { modelMissing } from '../errors.ts';
import type { Bitmap8 } from '../image/lanczos-resample.ts';
import type { OnnxSession } from '../onnx/session.ts';
import { DESCRIBE_FOLDER, findCaptioner, findTagger } from './describe-files.ts';
import { ImageCaptioner } from './image-captioner.ts';
import { parseTagsCsv, type TaggerTag } from './tags-csv.ts';
import { tagImage } from './wd14-tagger.ts';

export type DescribeKind = 'Photo' | 'Anime';

export interface DescribeResult {
  text: string;
  warnings: string[];
}

export type SessionOpener = (path: string, label: string) => Promise<OnnxSession>;

export const CAPTIONER_MISSING =
  `Describe (Photo) needs an image captioner that is not installed: put a transformers.js/optimum export ` +
  `(onnx/encoder_model.onnx, onnx/decoder_model.onnx, tokenizer.json, config.json, preprocessor_config.json; ` +
  `e.g. Xenova/vit-gpt2-image-captioning) in a folder under models/${DESCRIBE_FOLDER}/`;
export const TAGGER_MISSING =
  `Describe (Anime) needs a WD14 tagger that is not installed: put model.onnx and selected_tags.csv ` +
  `(e.g. SmilingWolf/wd-v1-4-moat-tagger-v2) in a folder under models/${DESCRIBE_FOLDER}/`;

export class Describer {
  private captioner: { key: string; model: Promise<ImageCaptioner> } | null = null;
  private tagger: { key: string; model: Promise<{ session: OnnxSession; tags: TaggerTag[] }> } | null = null;

  constructor(
    private readonly modelsDir: string,
    private readonly isDemoAllowed: boolean,
    private readonly open: SessionOpener,
  ) {}

  async describe(rgb: Bitmap8, kind: DescribeKind): Promise<DescribeResult> {
    return kind === 'Anime' ? this.describeAnime(rgb) : this.describePhoto(rgb);
  }

  private async describePhoto(rgb: Bitmap8): Promise<DescribeResult> {
    const files = await findCaptioner(this.modelsDir, this.isDemoAllowed);
    if (!files) throw modelMissing(CAPTIONER_MISSING, 'image_type');
    if (this.captioner?.key !== files.dir) {
      const model = ImageCaptioner.load(files, this.open);
      this.captioner = { key: files.dir, model };
      model.catch(() => (this.captioner = null));
    }
    const text = await (await this.captioner.model).caption(rgb);
    const demo = `Describe (Photo) ran the tiny demo captioner: its caption only names the image's dominant colour.`;
    return { text, warnings: files.isDemo ? [`${demo} ${CAPTIONER_MISSING}`] : [] };
  }

  private async describeAnime(rgb: Bitmap8): Promise<DescribeResult> {
    const files = await findTagger(this.modelsDir, this.isDemoAllowed);
    if (!files) throw modelMissing(TAGGER_MISSING, 'image_type');
    if (this.tagger?.key !== files.model) {
      const model = (async () => {
        const tags = parseTagsCsv(await readFile(files.tags, 'utf8'));
        return { session: await this.open(files.model, 'wd14 tagger'), tags };
      })();
      this.tagger = { key: files.model, model };
      model.catch(() => (this.tagger = null));
    }
    const { session, tags } = await this.tagger.model;
    const text = await tagImage(session, tags, rgb);
    const demo = `Describe (Anime) ran the tiny demo tagger: its tags only reflect the image's mean colour.`;
    return { text, warnings: files.isDemo ? [`${demo} ${TAGGER_MISSING}`] : [] };
  }
}
