/**
 * Style templates: the Diva styles (sdxl_styles_diva).
 * Golden data (see ../style-templates.ts).
 */
import {
  FLAWS,
  NOT_BRIGHT,
  NOT_COLOUR,
  NOT_DARK,
  NOT_FLAT,
  NOT_GAME,
  NOT_MODERN,
  NOT_PAINTED,
  NOT_PHOTO,
  NOT_REAL,
  T,
  type StyleTemplate,
} from './shared.ts';

export const DIVA: Record<string, StyleTemplate> = {
  // diva
  'Cinematic Diva': T(
    'cinematic portrait of {prompt}, glamorous star presence, dramatic spotlight, lush colour grade, red-carpet elegance',
    `${NOT_PHOTO}, plain, unflattering`,
  ),
  'Abstract Expressionism': T(
    'abstract expressionist canvas of {prompt}, energetic gestural marks, spontaneous drips, emotional colour, action painting',
    `${NOT_REAL}, tidy realism`,
  ),
  Academia: T(
    'dark academia scene of {prompt}, old library shelves, candlelight, leather books, scholarly tweed atmosphere',
    `${FLAWS}, modern, neon, futuristic`,
  ),
  'Action Figure': T(
    'action figure of {prompt}, articulated plastic toy, blister-pack packaging look, studio product shot, collectible detail',
    `${FLAWS}, real human, painting, sketch`,
  ),
  'Adorable 3D Character': T(
    'adorable 3d character of {prompt}, soft rounded shapes, big shiny eyes, pixar-like charm, cosy render light',
    `${NOT_DARK}, realistic, scary`,
  ),
  'Adorable Kawaii': T(
    'kawaii drawing of {prompt}, cute pastel character, tiny smile, sparkles and hearts, sweet simplicity',
    `${NOT_DARK}, realistic, scary`,
  ),
  'Art Deco': T(
    'art deco illustration of {prompt}, sleek geometric patterns, gilded lines, symmetrical glamour, jazz age luxury',
    `${NOT_MODERN}, organic mess`,
  ),
  'Art Nouveau': T(
    'art nouveau illustration of {prompt}, sinuous botanical lines, ornamental frame, graceful figures, soft earthy colours',
    `${NOT_MODERN}, rigid geometry`,
  ),
  'Astral Aura': T(
    'astral aura artwork of {prompt}, glowing spiritual energy, cosmic halo, luminous ethereal light, mystical calm',
    `${FLAWS}, mundane, dull, dark gloomy`,
  ),
  'Avant Garde': T(
    'avant-garde artwork of {prompt}, experimental form, unconventional materials, bold provocative concept, boundary-pushing design',
    `${FLAWS}, conventional, traditional, plain`,
  ),
  Baroque: T(
    'baroque painting of {prompt}, dramatic chiaroscuro, grand swirling drapery, rich golds and crimsons, theatrical movement',
    `${NOT_MODERN}, minimal, flat`,
  ),
  'Bauhaus Style Poster': T(
    'bauhaus poster of {prompt}, primary colour blocks, circles squares and triangles, functional grid, clean sans-serif type',
    `${NOT_REAL}, ornate, decorative flourish`,
  ),
  'Blueprint Schematic Drawing': T(
    'blueprint schematic of {prompt}, white technical lines on blue, measurements and annotations, precise engineering drafting',
    `${NOT_REAL}, colourful, painterly, shading`,
  ),
  Caricature: T(
    'caricature drawing of {prompt}, exaggerated features, humorous proportions, expressive ink and colour, playful satire',
    `${NOT_REAL}, realistic proportions`,
  ),
  'Cel Shaded Art': T(
    'cel-shaded artwork of {prompt}, flat shading bands, crisp outlines, vivid animated look',
    `${NOT_REAL}, soft gradients, painterly blur`,
  ),
  'Character Design Sheet': T(
    'character design sheet of {prompt}, front side and back turnaround, expression studies, colour swatches, clean layout',
    `${FLAWS.replace(', text', '')}, single pose, cluttered background`,
  ),
  'Classicism Art': T(
    'classicist painting of {prompt}, balanced order, idealised figures, marble clarity, restrained antique elegance',
    `${NOT_MODERN}, chaotic, expressionist`,
  ),
  'Color Field Painting': T(
    'colour field painting of {prompt}, broad expanses of flat colour, soft edges, contemplative simplicity',
    `${NOT_REAL}, detailed, busy, figurative`,
  ),
  'Colored Pencil Art': T(
    'coloured pencil drawing of {prompt}, visible pencil strokes, layered hatching, paper grain, gentle colour',
    `${NOT_PAINTED}, paint, digital look`,
  ),
  'Conceptual Art': T(
    'conceptual artwork of {prompt}, idea-driven composition, symbolic objects, thought-provoking minimal staging',
    `${FLAWS}, decorative, literal, cluttered`,
  ),
  Constructivism: T(
    'constructivist artwork of {prompt}, dynamic diagonals, bold red and black, industrial geometry, graphic photomontage',
    `${NOT_REAL}, ornate, soft pastel`,
  ),
  Cubism: T(
    'cubist artwork of {prompt}, shattered geometric planes, simultaneous viewpoints, muted ochres and greys',
    `${NOT_REAL}, smooth realism`,
  ),
  Dadaism: T(
    'dadaist collage of {prompt}, absurd assemblage, clipped typography, irreverent nonsense, anti-art humour',
    `${FLAWS.replace(', text', '')}, orderly, conventional, realistic`,
  ),
  'Dark Fantasy': T(
    'dark fantasy artwork of {prompt}, ominous castles, shadowy creatures, grim magic, brooding painterly atmosphere',
    `${NOT_BRIGHT}, modern, sci-fi`,
  ),
  'Dark Moody Atmosphere': T(
    'dark moody image of {prompt}, low-key lighting, deep shadows, muted tones, heavy brooding mood',
    NOT_BRIGHT,
  ),
  'Dmt Art Style': T(
    'visionary dmt-trip artwork of {prompt}, fractal geometry, radiant hyper-saturated colour, otherworldly beings, sacred patterns',
    `${NOT_REAL}, dull, monochrome, mundane`,
  ),
  'Doodle Art': T(
    'doodle art of {prompt}, playful hand-drawn scribbles, quirky characters, dense sketchbook patterns',
    `${NOT_PAINTED}, polished, painterly`,
  ),
  'Double Exposure': T(
    'double exposure image of {prompt}, silhouette blended with a landscape, overlapping imagery, dreamy layered photo',
    `${FLAWS}, single image, cluttered`,
  ),
  'Dripping Paint Splatter Art': T(
    'paint splatter artwork of {prompt}, dripping pigment, explosive splashes, vibrant chaotic colour, wet paint texture',
    `${NOT_REAL}, neat, clean edges`,
  ),
  Expressionism: T(
    'expressionist artwork of {prompt}, raw emotion, distorted shapes, vivid unnatural colour, agitated brushwork',
    `${NOT_REAL}, calm realism`,
  ),
  'Faded Polaroid Photo': T(
    'faded instant photo of {prompt}, washed-out colours, white border, soft vintage fade, nostalgic snapshot',
    `${NOT_PHOTO}, crisp, vivid, modern`,
  ),
  Fauvism: T(
    'fauvist painting of {prompt}, wild unnatural colours, bold flat brushwork, vibrant expressive palette',
    `${NOT_REAL}, muted colours, realism`,
  ),
  'Flat 2d Art': T(
    'flat 2d illustration of {prompt}, solid colour shapes, no depth shading, clean vector simplicity',
    NOT_FLAT,
  ),
  'Fortnite Art Style': T(
    'battle-royale game style render of {prompt}, bright stylised cartoon 3d, bold colours, playful exaggerated shapes',
    `${NOT_GAME}, grim, gritty`,
  ),
  Futurism: T(
    'futurist painting of {prompt}, speed and motion lines, dynamic fragmentation, machine-age energy, vivid colour',
    `${NOT_REAL}, static, still`,
  ),
  Glitchcore: T(
    'glitchcore artwork of {prompt}, digital corruption, rgb channel shifts, pixel sorting, chaotic neon distortion',
    `${FLAWS.replace('jpeg artifacts, ', '')}, clean, calm, natural`,
  ),
  'Glo Fi': T(
    'glo-fi artwork of {prompt}, soft glowing haze, dreamy lo-fi mood, pastel neon light, gentle nostalgic warmth',
    `${FLAWS}, harsh, sharp, gritty`,
  ),
  'Googie Art Style': T(
    'googie style illustration of {prompt}, atomic-age boomerangs and starbursts, upswept roofs, 1950s optimism',
    `${FLAWS}, modern minimal, gloomy`,
  ),
  'Graffiti Art': T(
    'graffiti art of {prompt}, vibrant spray paint, bold street lettering, urban wall texture, expressive tags',
    `${NOT_REAL}, clean, muted colours`,
  ),
  'Harlem Renaissance Art': T(
    'harlem renaissance style painting of {prompt}, bold silhouettes, jazz age rhythm, warm rich colours, celebratory cultural pride',
    `${FLAWS}, photograph, dull, muted`,
  ),
  'High Fashion': T(
    'high fashion photograph of {prompt}, avant-garde couture, striking model pose, editorial lighting, runway glamour',
    `${NOT_PHOTO}, casual, plain`,
  ),
  Idyllic: T(
    'idyllic scene of {prompt}, peaceful countryside, warm golden light, lush greenery, serene harmony',
    `${NOT_DARK}, urban, chaotic`,
  ),
  Impressionism: T(
    'impressionist painting of {prompt}, shimmering light, broken colour strokes, soft atmospheric scene',
    `${NOT_REAL}, hard lines`,
  ),
  'Infographic Drawing': T(
    'infographic illustration of {prompt}, clear diagrams, icons and labelled sections, organised data layout',
    `${FLAWS.replace(', text', '')}, photograph, cluttered, messy`,
  ),
  'Ink Dripping Drawing': T(
    'ink drawing of {prompt}, dripping black ink, bold splashes, expressive wet strokes on white paper',
    `${NOT_COLOUR}, photograph`,
  ),
  'Japanese Ink Drawing': T(
    'japanese ink drawing of {prompt}, sumi brushwork, flowing black ink, rice paper, graceful restraint',
    `${NOT_COLOUR}, photograph, western style`,
  ),
  'Knolling Photography': T(
    'knolling photograph of {prompt}, objects neatly arranged at right angles, top-down flat lay, clean even background',
    `${NOT_PHOTO}, messy, piled, angled perspective`,
  ),
  'Light Cheery Atmosphere': T(
    'bright cheerful image of {prompt}, sunny light, pastel warmth, uplifting happy mood',
    NOT_DARK,
  ),
  'Logo Design': T(
    'logo design of {prompt}, simple memorable mark, clean vector shapes, balanced negative space, flat colours',
    `${NOT_FLAT}, complex scene, photo background`,
  ),
  'Luxurious Elegance': T(
    'luxurious elegant image of {prompt}, rich fabrics, gold accents, refined sophistication, opulent soft lighting',
    `${FLAWS}, cheap, shabby, cluttered`,
  ),
  'Macro Photography': T(
    'macro photograph of {prompt}, extreme close-up, tiny details magnified, shallow depth of field, crisp textures',
    `${NOT_PHOTO}, wide shot, distant`,
  ),
  'Mandola Art': T(
    'mandala artwork of {prompt}, radial symmetry, intricate concentric patterns, meditative ornamental detail',
    `${FLAWS}, asymmetrical, photograph, messy`,
  ),
  'Marker Drawing': T(
    'marker drawing of {prompt}, bold alcohol-marker strokes, streaky fills, crisp outlines, design sketch feel',
    `${NOT_PAINTED}, painterly texture`,
  ),
  Medievalism: T(
    'medieval style artwork of {prompt}, gothic manuscript colours, flat perspective, gilded details, chivalric imagery',
    `${NOT_MODERN}, photograph`,
  ),
  Minimalism: T(
    'minimal artwork of {prompt}, essential forms only, calm negative space, limited palette, clean simplicity',
    `${FLAWS}, cluttered, ornate, busy`,
  ),
  'Neo Baroque': T(
    'neo-baroque artwork of {prompt}, lavish modern ornament, dramatic contrast, opulent drama reimagined',
    `${FLAWS}, plain, minimal, flat`,
  ),
  'Neo Byzantine': T(
    'neo-byzantine artwork of {prompt}, golden mosaic backgrounds, iconographic figures, rich jewel tones, sacred ornament',
    `${FLAWS}, photograph, modern minimal`,
  ),
  'Neo Futurism': T(
    'neo-futurist design of {prompt}, sweeping curved architecture, sleek white surfaces, innovative structural forms',
    `${FLAWS}, historical, rustic, ornate`,
  ),
  'Neo Impressionism': T(
    'neo-impressionist painting of {prompt}, systematic dots and dabs of pure colour, luminous vibrant scene',
    `${NOT_REAL}, smooth blending`,
  ),
  'Neo Rococo': T(
    'neo-rococo artwork of {prompt}, playful pastel ornament, delicate curls and gilding, light romantic elegance',
    `${FLAWS}, dark, heavy, minimal`,
  ),
  Neoclassicism: T(
    'neoclassical painting of {prompt}, noble poses, crisp contours, antique architecture, sober heroic clarity',
    `${NOT_MODERN}, chaotic, cartoon`,
  ),
  'Op Art': T(
    'op art composition of {prompt}, optical illusion patterns, vibrating stripes, black and white rhythm, dizzying geometry',
    `${NOT_REAL}, organic, soft`,
  ),
  'Ornate And Intricate': T(
    'ornate intricate artwork of {prompt}, elaborate filigree, dense decorative detail, exquisite craftsmanship',
    `${FLAWS}, plain, simple, minimal`,
  ),
  'Pencil Sketch Drawing': T(
    'pencil sketch of {prompt}, graphite lines, cross-hatching, loose construction marks, sketchbook paper',
    `${NOT_COLOUR}, photograph, digital paint`,
  ),
  'Pop Art 2': T(
    'pop art image of {prompt}, saturated flat colours, comic dots, repeated motifs, bold graphic contrast',
    `${NOT_REAL}, muted, subtle`,
  ),
  Rococo: T(
    'rococo painting of {prompt}, pastel elegance, frothy ornament, playful aristocratic leisure, soft gilded light',
    `${NOT_MODERN}, dark, austere`,
  ),
  'Silhouette Art': T(
    'silhouette art of {prompt}, solid black shapes against a vivid gradient sky, crisp outlines, graphic contrast',
    `${FLAWS}, detailed interior shading, flat lighting`,
  ),
  'Simple Vector Art': T(
    'simple vector illustration of {prompt}, flat clean shapes, limited palette, smooth geometric paths',
    NOT_FLAT,
  ),
  Sketchup: T(
    'sketchup style 3d model of {prompt}, simple untextured geometry, clean edges, soft shadows, architectural mock-up',
    `${FLAWS}, photograph, painterly, detailed textures`,
  ),
  'Steampunk 2': T(
    'steampunk scene of {prompt}, clockwork contraptions, brass goggles, airships, victorian industrial fantasy',
    `${NOT_MODERN}, sleek minimal`,
  ),
  Surrealism: T(
    'surrealist image of {prompt}, dream logic, unexpected combinations, uncanny clarity, subconscious imagery',
    `${FLAWS}, mundane, ordinary`,
  ),
  Suprematism: T(
    'suprematist composition of {prompt}, floating basic geometric shapes, limited colours, white ground, pure abstraction',
    `${NOT_REAL}, figurative, detailed`,
  ),
  Terragen: T(
    'terragen-style landscape render of {prompt}, photoreal terrain, volumetric clouds, vast natural vistas, atmospheric haze',
    `${FLAWS}, cartoon, flat, indoor`,
  ),
  'Tranquil Relaxing Atmosphere': T(
    'tranquil image of {prompt}, calm soft light, gentle colours, peaceful stillness, soothing mood',
    `${FLAWS}, chaotic, tense, harsh, dark`,
  ),
  'Sticker Designs': T(
    'sticker design of {prompt}, bold outline, white die-cut border, flat bright colours, cute vector look',
    `${NOT_FLAT}, background scene`,
  ),
  'Vibrant Rim Light': T(
    '{prompt} lit by vibrant rim light, glowing coloured edges, dark background, striking contour highlights',
    `${FLAWS}, flat lighting, dull`,
  ),
  'Volumetric Lighting': T(
    '{prompt} with volumetric lighting, god rays through haze, atmospheric depth, luminous beams',
    `${FLAWS}, flat lighting, dull`,
  ),
  'Watercolor 2': T(
    'watercolour artwork of {prompt}, fluid pigment blooms, soft edges, paper grain, airy luminous washes',
    `${NOT_PAINTED}, hard edges`,
  ),
  'Whimsical And Playful': T(
    'whimsical playful artwork of {prompt}, quirky charm, bright colours, fanciful details, joyful mood',
    `${NOT_DARK}, serious`,
  ),
};
