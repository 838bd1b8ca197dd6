/**
 * Style templates: the MRE styles (sdxl_styles_mre).
 * Golden data (see ../style-templates.ts).
 */
import {
  FLAWS,
  NOT_BRIGHT,
  NOT_COLOUR,
  NOT_DARK,
  NOT_MODERN,
  NOT_PAINTED,
  NOT_PHOTO,
  NOT_REAL,
  T,
  type StyleTemplate,
} from './shared.ts';

export const MRE: Record<string, StyleTemplate> = {
  // mre
  'MRE Cinematic Dynamic': T(
    'dynamic cinematic shot of {prompt}, sweeping camera angle, motion energy, dramatic lighting, epic framing, high tension',
    `${NOT_PHOTO}, static, boring composition`,
  ),
  'MRE Spontaneous Picture': T(
    'candid snapshot of {prompt}, unposed moment, natural light, casual framing, authentic everyday feel',
    `${NOT_PHOTO}, posed, studio lighting`,
  ),
  'MRE Artistic Vision': T(
    'visionary artwork of {prompt}, bold artistic interpretation, expressive colour, inventive composition, gallery quality',
    `${FLAWS}, generic, bland, amateur`,
  ),
  'MRE Dark Dream': T(
    'dark dreamlike vision of {prompt}, shadowy surreal atmosphere, muted eerie light, haunting and mysterious',
    NOT_BRIGHT,
  ),
  'MRE Gloomy Art': T(
    'gloomy painting of {prompt}, overcast melancholy, desaturated palette, heavy brooding atmosphere',
    `${NOT_BRIGHT}, vibrant colours`,
  ),
  'MRE Bad Dream': T(
    'nightmare scene of {prompt}, unsettling distortions, ominous shadows, disturbing surreal mood, dread',
    `${NOT_BRIGHT}, calm, peaceful`,
  ),
  'MRE Underground': T(
    'underground art of {prompt}, gritty urban texture, raw subculture energy, stencil and zine aesthetics',
    `${FLAWS}, polished corporate look, clean, glossy`,
  ),
  'MRE Surreal Painting': T(
    'surreal painting of {prompt}, impossible dream logic, melting forms, uncanny juxtapositions, meticulous brushwork',
    `${NOT_PAINTED}, ordinary, realistic scene`,
  ),
  'MRE Dynamic Illustration': T(
    'dynamic illustration of {prompt}, energetic lines, bold perspective, vivid colour, action-packed composition',
    `${NOT_REAL}, static, dull colours`,
  ),
  'MRE Undead Art': T(
    'undead themed art of {prompt}, ghoulish decay, bone and shadow, eerie green glow, macabre detail',
    `${NOT_DARK.replace('dark, gloomy, horror, grim, ', 'bright, cheerful, ')}, cute`,
  ),
  'MRE Elemental Art': T(
    'elemental artwork of {prompt}, swirling fire, water, earth and air, raw natural forces, glowing energy',
    `${FLAWS}, dull, static, lifeless`,
  ),
  'MRE Space Art': T(
    'space art of {prompt}, vast starfields, glowing nebulae, planets and cosmic light, awe-inspiring scale',
    `${FLAWS}, earthbound, daylight sky`,
  ),
  'MRE Ancient Illustration': T(
    'ancient style illustration of {prompt}, weathered parchment, archaic linework, faded pigments, timeless legend',
    `${NOT_MODERN}, photograph`,
  ),
  'MRE Brave Art': T(
    'heroic art of {prompt}, courageous stance, bold colours, triumphant lighting, stirring and powerful',
    `${FLAWS}, timid, dull, weak pose`,
  ),
  'MRE Heroic Fantasy': T(
    'heroic fantasy painting of {prompt}, legendary warriors, sweeping landscapes, dramatic skies, epic adventure',
    `${NOT_REAL}, modern setting, mundane`,
  ),
  'MRE Dark Cyberpunk': T(
    'dark cyberpunk scene of {prompt}, rain-slick streets, harsh neon against shadow, dystopian tech, gritty noir mood',
    `${NOT_BRIGHT}, rustic, natural, pastoral`,
  ),
  'MRE Lyrical Geometry': T(
    'lyrical geometric composition of {prompt}, flowing shapes, harmonious lines, rhythmic pattern, poetic abstraction',
    `${NOT_REAL}, chaotic, cluttered`,
  ),
  'MRE Sumi E Symbolic': T(
    'symbolic sumi-e ink painting of {prompt}, few expressive brushstrokes, bold black ink, generous empty space, zen simplicity',
    `${NOT_COLOUR}, photograph, cluttered, detailed background`,
  ),
  'MRE Sumi E Detailed': T(
    'detailed sumi-e ink painting of {prompt}, layered ink washes, fine brush detail, rice paper texture, balanced composition',
    `${NOT_COLOUR.replace('colour, ', 'bright colour, ')}, photograph, digital look`,
  ),
  'MRE Manga': T(
    'manga page art of {prompt}, black and white inking, screentone shading, expressive faces, dramatic panel framing',
    `${NOT_REAL}, colour, western comic`,
  ),
  'MRE Anime': T(
    'anime artwork of {prompt}, clean cel colouring, large expressive eyes, vivid backgrounds, lively character design',
    `${NOT_REAL}, western cartoon`,
  ),
  'MRE Comic': T(
    'comic art of {prompt}, inked outlines, flat bold colours, speech-bubble era styling, dynamic action',
    `${NOT_REAL}, painterly blur`,
  ),
};
