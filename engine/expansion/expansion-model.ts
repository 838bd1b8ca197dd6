/**
 * Fooocus V2 prompt expansion (Fooocus `extras/expansion.py`, fooocus-semantics.md §3.4): a
 * fine-tuned GPT-2 appends whitelisted quality words to the prompt until the token count reaches
 * the next multiple of 75. Runs an ONNX export on the engine's execution provider.
 */
import { readFile } from 'node:fs/promises';
import { EngineError, invalidInput } from '../errors.ts';
import type { ProviderSelector } from '../onnx/providers.ts';
import type { OnnxSession } from '../onnx/session.ts';
import { readExpansionConfig, type ExpansionConfig } from './expansion-config.ts';
import type { ExpansionModelFiles } from './expansion-files.ts';
import { buildPositiveBias, createExpansionRng, parsePositiveWords, sampleNextToken } from './expansion-sampling.ts';
import { expansionInput, newTokenBudget, safeStr } from './expansion-text.ts';
import { Gpt2Decoder, readGpt2Layout, type Gpt2Layout } from './gpt2-decoder.ts';
import { Gpt2Tokenizer } from './gpt2-tokenizer.ts';

const LABEL = 'prompt_expansion';

export interface ExpansionTokens {
  /** What the model reads: `safeStr(prompt) + ','`. */
  input: string;
  inputIds: number[];
  /** Sampled ids; [] when the input is already a multiple of 75 tokens. */
  newIds: number[];
}

export class PromptExpansion {
  /** The positive-word bias at the model's logits width (built on first use; usually vocab size). */
  private bias: Float32Array | null = null;
  private isReleased = false;

  private constructor(
    private readonly session: OnnxSession,
    private readonly layout: Gpt2Layout,
    private readonly tokenizer: Gpt2Tokenizer,
    private readonly positiveWords: readonly string[],
    private readonly config: ExpansionConfig,
  ) {}

  static async load(
    files: ExpansionModelFiles,
    providers: ProviderSelector,
    log: (line: string) => void = () => {},
  ): Promise<PromptExpansion> {
    const tokenizer = await Gpt2Tokenizer.fromFiles(files.vocab, files.merges);
    const positiveWords = parsePositiveWords(await readFile(files.positive, 'utf8'));
    const config = await readExpansionConfig(files.dir);
    for (const warning of config.warnings) log(`${LABEL}: ${warning}`);
    const session = await providers.createSession(files.model, LABEL);
    let layout: Gpt2Layout;
    try {
      layout = readGpt2Layout(session, `${LABEL} model ${files.model}`, config.pastHeads);
    } catch (error) {
      await session.release();
      throw error;
    }
    const expansion = new PromptExpansion(session, layout, tokenizer, positiveWords, config);
    const usable = expansion.biasFor(expansion.vocabWidth()).filter((b) => b === 0).length;
    log(
      `${LABEL}: ${files.model} (${layout.past.length > 0 ? 'with' : 'without'} KV cache); ${usable} of ${positiveWords.length} positive words are single tokens`,
    );
    return expansion;
  }

  /** Fooocus FooocusExpansion.__call__(prompt, seed): the prompt followed by generated words, or '' for ''. */
  async expand(prompt: string, seed: bigint): Promise<string> {
    if (prompt === '') return '';
    const tokens = await this.generate(prompt, seed);
    // Already a multiple of 75 tokens: Fooocus returns its input string minus the ',' it added.
    if (tokens.newIds.length === 0) return tokens.input.slice(0, -1);
    const ids = [...tokens.inputIds, ...tokens.newIds];
    return safeStr(
      this.tokenizer.decode(ids, {
        skipSpecialTokens: true,
        cleanUpTokenizationSpaces: this.config.cleanUpTokenizationSpaces,
      }),
    );
  }

  /**
   * The token-level expansion behind expand(): the model input (`safeStr(prompt) + ','`), its ids,
   * and the sampled ids, which fill the sequence up to the next multiple of 75 tokens.
   */
  async generate(prompt: string, seed: bigint): Promise<ExpansionTokens> {
    if (this.isReleased) throw new EngineError('runtime-failure', `${LABEL}: used after release`);
    const rng = createExpansionRng(seed);
    const input = expansionInput(prompt);
    const inputIds = this.tokenizer.encode(input);
    const maxNew = newTokenBudget(inputIds.length);
    const newIds: number[] = [];
    if (maxNew === 0) return { input, inputIds, newIds };
    const limit = this.config.maxPositions;
    if (limit !== null && inputIds.length + maxNew > limit) {
      throw invalidInput(
        'prompt',
        `prompt is ${inputIds.length} GPT-2 tokens; its Fooocus V2 expansion would need ${inputIds.length + maxNew} positions and the expansion model has ${limit}`,
      );
    }
    const sequence = [...inputIds];
    const decoder = new Gpt2Decoder(this.session, this.layout);
    let logits = await decoder.start(inputIds);
    for (let n = 0; n < maxNew; n++) {
      const next = sampleNextToken(logits, this.biasFor(logits.length), sequence, rng);
      sequence.push(next);
      newIds.push(next);
      // Never sampled in practice (EOS is not a positive word), but HF generate would stop here.
      if (next === this.tokenizer.eosId) break;
      if (n + 1 < maxNew) logits = await decoder.next(next);
    }
    return { input, inputIds, newIds };
  }

  async release(): Promise<void> {
    if (this.isReleased) return;
    this.isReleased = true;
    await this.session.release();
  }

  /** Logits width from the declared output shape when static, else the vocabulary's id range. */
  private vocabWidth(): number {
    const dims = this.session.output(this.layout.logits)?.shape ?? [];
    const last = dims[dims.length - 1];
    if (typeof last === 'number' && last > 0) return last;
    let max = -1;
    for (const id of this.tokenizer.vocab.values()) max = Math.max(max, id);
    return max + 1;
  }

  private biasFor(width: number): Float32Array {
    if (this.bias === null || this.bias.length !== width)
      this.bias = buildPositiveBias(this.tokenizer.vocab, this.positiveWords, width);
    return this.bias;
  }
}
