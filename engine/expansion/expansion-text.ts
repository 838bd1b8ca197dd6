/** The text rules around Fooocus V2 expansion (fooocus-semantics.md §3.4). */

/** Tokens are generated up to the next multiple of this (CLIP's 75-token chunk). */
export const CHUNK_TOKENS = 75;

/** Fooocus `safe_str`: collapse double spaces (16 passes, not to a fixed point), strip `,. \r\n` at both ends. */
export function safeStr(text: string): string {
  let out = text;
  for (let i = 0; i < 16; i++) out = out.replaceAll('  ', ' ');
  return out.replace(/^[,. \r\n]+|[,. \r\n]+$/g, '');
}

/** The model's input: the cleaned prompt plus the ',' the generated words follow. */
export function expansionInput(prompt: string): string {
  return `${safeStr(prompt)},`;
}

/** New tokens to generate for a `tokenCount`-token input: up to the next multiple of 75 (0 when already one). */
export function newTokenBudget(tokenCount: number): number {
  return CHUNK_TOKENS * Math.ceil(tokenCount / CHUNK_TOKENS) - tokenCount;
}
