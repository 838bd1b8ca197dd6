/**
 * Style templates: Fooocus's own styles and Stability AI's (sdxl_styles_fooocus, sdxl_styles_sai).
 * Golden data (see ../style-templates.ts).
 */
import {
  FLAWS,
  NOT_BRIGHT,
  NOT_COLOUR,
  NOT_CRAFT,
  NOT_PAINTED,
  NOT_PHOTO,
  NOT_REAL,
  T,
  type StyleTemplate,
} from './shared.ts';

export const FOOOCUS_AND_SAI: Record<string, StyleTemplate> = {
  // fooocus
  'Fooocus Enhance': T(
    '',
    '(worst quality, low quality, lowres:1.4), (watermark, logo, caption, signature, text:1.3), (blurry, out of focus, jpeg artifacts, noise:1.2), (malformed hands, extra fingers, missing limbs, distorted face, bad anatomy:1.3), (cartoon, anime, cgi, 3d render, drawing:1.1), duplicate, cropped, ugly, dull',
  ),
  'Fooocus Semi Realistic': T(
    '',
    '(photograph, photorealistic:1.1), (worst quality, low quality, lowres:1.3), bad anatomy, extra limbs, missing fingers, blurry, flat shading, monochrome, watermark, signature, text',
  ),
  'Fooocus Sharp': T(
    'cinematic still of {prompt}, crisp focus, finely resolved detail, 4k clarity, 35mm film look, shot on kodak stock, subtle film grain, rich contrast, deep colour, masterful composition',
    'anime, cartoon, illustration, painting, drawing, blurry, soft focus, bokeh, lowres, text, watermark, deformed, disfigured, ugly',
  ),
  'Fooocus Masterpiece': T(
    '(masterpiece), (best quality), (ultra detailed), {prompt}, polished illustration, intricate linework, vivid colour, expressive eyes',
    'worst quality, low quality, lowres, bad hands, extra fingers, fused fingers, blurry, jpeg artifacts, watermark, signature, text, cropped',
  ),
  'Fooocus Photograph': T(
    'photograph of {prompt}, natural light, 50mm lens, analog film texture, true-to-life colour, high dynamic range, sharp detail',
    'drawing, painting, illustration, cartoon, anime, cgi, 3d render, sketch, oversaturated, plastic skin, blurry, lowres, noise, jpeg artifacts, deformed, bad anatomy, extra limbs, watermark, text, signature',
  ),
  'Fooocus Negative': T(
    '',
    'deformed, distorted, disfigured, mutated, bad anatomy, extra limbs, missing fingers, blurry, lowres, worst quality, jpeg artifacts, watermark, text',
  ),
  'Fooocus Cinematic': T(
    'cinematic still of {prompt}, emotional mood, dramatic lighting, shallow depth of field, bokeh, vignette, widescreen framing, rich colour grade, film grain',
    'anime, cartoon, graphic, painting, sketch, text, lowres, blurry, deformed, ugly, monochrome',
  ),
  // Pony Diffusion's own score tags: the model was trained on them, so they are a switch, not prose.
  'Fooocus Pony': T('score_9, score_8_up, score_7_up, {prompt}', 'score_6, score_5, score_4'),

  // sai
  'SAI 3D Model': T(
    '3d model render of {prompt}, smooth sculpted surfaces, studio lighting, octane-style shading, clean topology, high detail',
    `${NOT_PAINTED}, flat, 2d, hand drawn`,
  ),
  'SAI Analog Film': T(
    'analog film photo of {prompt}, faded colours, light leaks, natural grain, vintage lens softness, nostalgic mood',
    `${NOT_PHOTO}, digital sharpness, oversaturated`,
  ),
  'SAI Anime': T(
    'anime illustration of {prompt}, cel shading, expressive characters, bright palette, key visual composition, studio anime quality',
    `${NOT_REAL}, western cartoon, 3d render`,
  ),
  'SAI Cinematic': T(
    'film still of {prompt}, anamorphic widescreen, moody colour grade, dramatic light, shallow focus, grain, blockbuster look',
    `${NOT_PHOTO}, flat lighting`,
  ),
  'SAI Comic Book': T(
    'comic book panel of {prompt}, bold ink outlines, halftone shading, dynamic pose, punchy colours, graphic storytelling',
    `${NOT_REAL}, soft blur, muted colours`,
  ),
  'SAI Craft Clay': T(
    'claymation scene of {prompt}, handmade plasticine figures, visible fingerprints, soft studio light, playful stop-motion look',
    `${NOT_PHOTO.replace('3d render, ', '')}, smooth plastic, metal`,
  ),
  'SAI Digital Art': T(
    'digital artwork of {prompt}, painterly brushwork, concept art finish, rich lighting, detailed and vivid',
    `${NOT_PHOTO.replace('painting, drawing, illustration, ', '')}, photograph`,
  ),
  'SAI Enhance': T(
    '{prompt}, refined detail, striking composition, beautiful light, high quality, sharp and vivid',
    `${FLAWS}, dull, low contrast, noisy`,
  ),
  'SAI Fantasy Art': T(
    'fantasy painting of {prompt}, mythic atmosphere, magical glow, epic scale, intricate detail, storybook grandeur',
    `${NOT_REAL}, modern city, mundane`,
  ),
  'SAI Isometric': T(
    'isometric view of {prompt}, tidy diorama layout, crisp geometry, clean pastel shading, miniature world, game-asset look',
    `${NOT_REAL}, perspective distortion, messy, cluttered`,
  ),
  'SAI Line Art': T(
    'line art drawing of {prompt}, clean monoline strokes, minimal shading, white background, graphic and precise',
    `${NOT_COLOUR}, photograph, painterly texture, gradients`,
  ),
  'SAI Lowpoly': T(
    'low poly rendering of {prompt}, faceted triangles, flat-shaded polygons, simple geometric forms, soft gradient light',
    `${NOT_REAL}, smooth curves, high detail textures, noisy`,
  ),
  'SAI Neonpunk': T(
    'neonpunk artwork of {prompt}, glowing magenta and cyan lights, cyber city haze, electric reflections, vivid night palette',
    `${NOT_BRIGHT.replace('bright daylight, ', 'daylight, ')}, muted colours`,
  ),
  'SAI Origami': T(
    'origami sculpture of {prompt}, folded paper forms, sharp creases, layered paper, soft shadows, handcrafted',
    `${NOT_CRAFT}, plastic, metal, clay`,
  ),
  'SAI Photographic': T(
    'photo of {prompt}, natural lighting, 50mm prime, detailed textures, realistic tones, professional shot',
    `${NOT_PHOTO}`,
  ),
  'SAI Pixel Art': T(
    'pixel art of {prompt}, limited palette, crisp pixels, retro 16-bit sprite look, clean dithering',
    `${NOT_REAL}, smooth gradients, anti-aliasing, blurry`,
  ),
  'SAI Texture': T(
    'seamless texture of {prompt}, top-down flat surface, tileable pattern, even lighting, fine material detail',
    `${FLAWS}, perspective, horizon, objects in frame, shadows`,
  ),
};
