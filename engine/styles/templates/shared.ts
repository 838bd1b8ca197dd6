/**
 * What every style-template table shares: the template type, its constructor and the negatives
 * that many styles compose (constants, so that the tables stay readable).
 */

export interface StyleTemplate {
  /** Positive template; `{prompt}` marks where the user's main prompt goes ('' = negative-only style). */
  prompt: string;
  /** Negative text added before the user's negative prompt. */
  negative: string;
}

export const FLAWS = 'lowres, blurry, jpeg artifacts, watermark, signature, text, deformed, disfigured';
export const NOT_PHOTO = `painting, drawing, illustration, cartoon, anime, cgi, 3d render, sketch, ${FLAWS}`;
export const NOT_PAINTED = `photograph, photorealistic, glossy 3d render, ${FLAWS}`;
export const NOT_REAL = `photograph, photorealistic, realism, ${FLAWS}`;
export const NOT_BRIGHT = `bright daylight, cheerful pastel colours, flat lighting, cute, ${FLAWS}`;
export const NOT_DARK = `dark, gloomy, horror, grim, muddy colours, ${FLAWS}`;
export const NOT_FLAT = `photograph, photorealistic, gradients, heavy texture, noisy detail, ${FLAWS}`;
export const NOT_COLOUR = `colour, saturated colours, ${FLAWS}`;
export const NOT_MODERN = `modern, contemporary, digital look, neon, ${FLAWS}`;
export const NOT_PRINT = `digital look, modern colour photo, vivid saturation, ${FLAWS}`;
export const NOT_CRAFT = `photograph of a real scene, painting, digital illustration, ${FLAWS}`;
export const NOT_GAME = `photograph, photorealistic, realism, ${FLAWS}`;

export const T = (prompt: string, negative: string): StyleTemplate => ({ prompt, negative });
