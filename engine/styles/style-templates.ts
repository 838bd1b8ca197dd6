/**
 * Our own style templates, one for every template name in FOOOCUS_STYLE_NAMES (DECISIONS §4: the
 * names follow Fooocus, the texts are our writing; fooocus-semantics §3.2 for which styles have no
 * positive). Golden data, exempt from the file-size rule.
 *
 * Invariants (checked by test/unit/engine-styles-templates.test.ts): no newlines; every positive
 * contains `{prompt}` exactly once, except the three negative-only styles whose positive is ''.
 * Shared negatives are composed from the constants below to keep the table readable.
 */

export interface StyleTemplate {
  /** Positive template; `{prompt}` marks where the user's main prompt goes ('' = negative-only style). */
  prompt: string;
  /** Negative text added before the user's negative prompt. */
  negative: string;
}

const FLAWS = 'lowres, blurry, jpeg artifacts, watermark, signature, text, deformed, disfigured';
const NOT_PHOTO = `painting, drawing, illustration, cartoon, anime, cgi, 3d render, sketch, ${FLAWS}`;
const NOT_PAINTED = `photograph, photorealistic, glossy 3d render, ${FLAWS}`;
const NOT_REAL = `photograph, photorealistic, realism, ${FLAWS}`;
const NOT_BRIGHT = `bright daylight, cheerful pastel colours, flat lighting, cute, ${FLAWS}`;
const NOT_DARK = `dark, gloomy, horror, grim, muddy colours, ${FLAWS}`;
const NOT_FLAT = `photograph, photorealistic, gradients, heavy texture, noisy detail, ${FLAWS}`;
const NOT_COLOUR = `colour, saturated colours, ${FLAWS}`;
const NOT_MODERN = `modern, contemporary, digital look, neon, ${FLAWS}`;
const NOT_PRINT = `digital look, modern colour photo, vivid saturation, ${FLAWS}`;
const NOT_CRAFT = `photograph of a real scene, painting, digital illustration, ${FLAWS}`;
const NOT_GAME = `photograph, photorealistic, realism, ${FLAWS}`;

const T = (prompt: string, negative: string): StyleTemplate => ({ prompt, negative });

const TEMPLATES: Record<string, StyleTemplate> = {
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

  // twri: ads
  'Ads Advertising': T(
    'advertising image of {prompt}, eye-catching product focus, clean professional layout, bold brand colours, commercial polish',
    `${FLAWS}, amateur, cluttered, dull`,
  ),
  'Ads Automotive': T(
    'automotive advertisement of {prompt}, gleaming paint reflections, dynamic road setting, sleek lines, premium studio-grade light',
    `${FLAWS}, dirty, damaged, dull, amateur`,
  ),
  'Ads Corporate': T(
    'corporate branding image of {prompt}, clean modern design, professional tone, balanced layout, confident business look',
    `${FLAWS}, grungy, chaotic, unprofessional`,
  ),
  'Ads Fashion Editorial': T(
    'fashion editorial photo of {prompt}, high-end styling, striking pose, stylish lighting, magazine spread quality',
    `${NOT_PHOTO}, casual snapshot, unflattering`,
  ),
  'Ads Food Photography': T(
    'food photograph of {prompt}, appetising close-up, fresh ingredients, soft natural light, styled plating',
    `${NOT_PHOTO}, unappetising, messy, stale`,
  ),
  'Ads Gourmet Food Photography': T(
    'gourmet food photograph of {prompt}, fine-dining plating, elegant garnish, moody restaurant light, rich textures',
    `${NOT_PHOTO}, fast food, messy, unappetising`,
  ),
  'Ads Luxury': T(
    'luxury advertisement of {prompt}, opulent materials, gold and marble accents, refined elegance, exclusive sophisticated mood',
    `${FLAWS}, cheap, plastic, tacky, cluttered`,
  ),
  'Ads Real Estate': T(
    'real estate photo of {prompt}, bright spacious interior, wide-angle view, tidy staging, inviting natural light',
    `${NOT_PHOTO}, dark, cramped, messy`,
  ),
  'Ads Retail': T(
    'retail promotion image of {prompt}, attractive product display, vibrant shelves, clear pricing-ready layout, appealing light',
    `${FLAWS}, empty, dull, messy`,
  ),

  // twri: art styles
  'Artstyle Abstract': T(
    'abstract artwork of {prompt}, non-figurative shapes, bold colour fields, expressive forms, dynamic balance',
    `${NOT_REAL}, literal depiction`,
  ),
  'Artstyle Abstract Expressionism': T(
    'abstract expressionist painting of {prompt}, gestural brushwork, emotional energy, drips and bold strokes, large canvas feel',
    `${NOT_REAL}, precise, neat, detailed realism`,
  ),
  'Artstyle Art Deco': T(
    'art deco design of {prompt}, geometric symmetry, gold and black elegance, stepped forms, glamorous 1920s style',
    `${NOT_MODERN}, organic mess, rustic`,
  ),
  'Artstyle Art Nouveau': T(
    'art nouveau artwork of {prompt}, flowing organic curves, floral ornament, decorative borders, elegant muted palette',
    `${NOT_MODERN}, rigid geometry, harsh angles`,
  ),
  'Artstyle Constructivist': T(
    'constructivist poster of {prompt}, angular geometry, red black and cream, bold diagonals, propaganda-era graphic type',
    `${NOT_REAL}, ornate, soft, pastel`,
  ),
  'Artstyle Cubist': T(
    'cubist painting of {prompt}, fragmented planes, multiple viewpoints at once, geometric facets, earthy palette',
    `${NOT_REAL}, smooth realism, single perspective`,
  ),
  'Artstyle Expressionist': T(
    'expressionist painting of {prompt}, distorted forms, intense emotional colour, raw brushstrokes, inner turmoil',
    `${NOT_REAL}, calm realism, neat`,
  ),
  'Artstyle Graffiti': T(
    'graffiti mural of {prompt}, spray paint on brick wall, bold wildstyle letters, drips and vibrant colour, street art energy',
    `${NOT_REAL}, clean gallery, muted colours`,
  ),
  'Artstyle Hyperrealism': T(
    'hyperrealistic painting of {prompt}, extreme fine detail, lifelike textures, perfect lighting, indistinguishable from a photo',
    `${FLAWS}, cartoon, stylised, sketchy`,
  ),
  'Artstyle Impressionist': T(
    'impressionist painting of {prompt}, loose visible brushstrokes, dappled light, soft colour harmony, plein air feel',
    `${NOT_REAL}, hard edges, precise detail`,
  ),
  'Artstyle Pointillism': T(
    'pointillist painting of {prompt}, composed of tiny colour dots, optical mixing, luminous shimmering surface',
    `${NOT_REAL}, brushstrokes, smooth gradients, lines`,
  ),
  'Artstyle Pop Art': T(
    'pop art print of {prompt}, bold primary colours, ben-day dots, thick outlines, playful comic-strip flair',
    `${NOT_REAL}, muted colours, subtle tones`,
  ),
  'Artstyle Psychedelic': T(
    'psychedelic artwork of {prompt}, swirling kaleidoscopic patterns, saturated rainbow hues, trippy melting forms',
    `${NOT_REAL}, monochrome, dull, muted`,
  ),
  'Artstyle Renaissance': T(
    'renaissance painting of {prompt}, classical composition, chiaroscuro, oil on panel, harmonious proportions, old master finish',
    `${NOT_MODERN}, cartoon, flat colour`,
  ),
  'Artstyle Steampunk': T(
    'steampunk artwork of {prompt}, brass gears and copper pipes, victorian machinery, steam and rivets, warm sepia tones',
    `${NOT_MODERN.replace('neon, ', 'neon, sleek minimal, ')}`,
  ),
  'Artstyle Surrealist': T(
    'surrealist painting of {prompt}, dreamlike impossibility, strange juxtapositions, precise rendering of the uncanny',
    `${NOT_PAINTED}, ordinary, mundane`,
  ),
  'Artstyle Typography': T(
    'typographic design of {prompt}, expressive lettering, strong type hierarchy, graphic layout, bold contrast',
    `${FLAWS.replace(', text', '')}, illegible scribble, cluttered`,
  ),
  'Artstyle Watercolor': T(
    'watercolour painting of {prompt}, soft washes, bleeding pigments, paper texture, delicate translucent layers',
    `${NOT_PAINTED}, hard edges, heavy outlines`,
  ),

  // twri: futuristic
  'Futuristic Biomechanical': T(
    'biomechanical artwork of {prompt}, organic flesh fused with machinery, intricate tubing, sinewy metal, alien elegance',
    `${FLAWS}, simple, cute, rustic`,
  ),
  'Futuristic Biomechanical Cyberpunk': T(
    'biomechanical cyberpunk scene of {prompt}, cyborg anatomy, neon-lit implants, wired city backdrop, dark tech mood',
    `${NOT_BRIGHT}, rustic, pastoral`,
  ),
  'Futuristic Cybernetic': T(
    'cybernetic portrait of {prompt}, augmented body parts, glowing circuitry, sleek chrome, high-tech detail',
    `${FLAWS}, rustic, primitive, medieval`,
  ),
  'Futuristic Cybernetic Robot': T(
    'cybernetic robot of {prompt}, articulated metal joints, glowing sensors, polished plating, advanced android design',
    `${FLAWS}, organic, rustic, cute cartoon`,
  ),
  'Futuristic Cyberpunk Cityscape': T(
    'cyberpunk cityscape of {prompt}, towering neon skyscrapers, holographic signs, rainy night streets, dense megacity',
    `${NOT_BRIGHT}, rural, nature`,
  ),
  'Futuristic Futuristic': T(
    "futuristic vision of {prompt}, sleek advanced technology, clean curved architecture, glowing interfaces, tomorrow's world",
    `${FLAWS}, old-fashioned, rustic, historical`,
  ),
  'Futuristic Retro Cyberpunk': T(
    'retro cyberpunk artwork of {prompt}, 80s computer aesthetics, crt glow, synth neon, analog tech futurism',
    `${FLAWS}, modern minimal, rustic, natural`,
  ),
  'Futuristic Retro Futurism': T(
    'retro-futurist illustration of {prompt}, mid-century vision of the future, chrome rockets, atomic optimism, vintage colour print',
    `${FLAWS}, modern realism, grim, gritty`,
  ),
  'Futuristic Sci Fi': T(
    'science fiction scene of {prompt}, advanced spacecraft and technology, otherworldly setting, cinematic scale',
    `${FLAWS}, historical, rustic, medieval`,
  ),
  'Futuristic Vaporwave': T(
    'vaporwave artwork of {prompt}, pink and teal gradients, retro computer graphics, greek statues, dreamy nostalgic glitch',
    `${FLAWS}, dark, gritty, realistic photo`,
  ),

  // twri: games
  'Game Bubble Bobble': T(
    'bubble bobble style game art of {prompt}, cute round characters, colourful bubbles, cheerful arcade sprites',
    `${NOT_GAME}, dark, gritty`,
  ),
  'Game Cyberpunk Game': T(
    'cyberpunk video game scene of {prompt}, neon hud elements, futuristic city level, detailed game render',
    `${NOT_BRIGHT}, rustic, historical`,
  ),
  'Game Fighting Game': T(
    'fighting game screen of {prompt}, dynamic combat stance, energy effects, health bars, arcade versus energy',
    `${FLAWS}, calm, static, peaceful`,
  ),
  'Game Gta': T(
    'open-world crime game art of {prompt}, sun-drenched city, stylised loading-screen illustration, bold outlines, vivid colour',
    `${FLAWS}, fantasy, medieval, dull`,
  ),
  'Game Mario': T(
    'platformer game world of {prompt}, bright mushroom kingdom colours, cheerful blocks and pipes, playful cartoon style',
    `${NOT_GAME}, dark, violent, gritty`,
  ),
  'Game Minecraft': T(
    'voxel game scene of {prompt}, blocky cube terrain, pixelated textures, sandbox world, square everything',
    `${NOT_GAME}, smooth curves, round shapes`,
  ),
  'Game Pokemon': T(
    'creature-collecting game art of {prompt}, cute monster designs, vivid colours, anime-style battle scene',
    `${NOT_GAME}, dark, gory, gritty`,
  ),
  'Game Retro Arcade': T(
    'retro arcade game screen of {prompt}, 8-bit sprites, cabinet crt glow, score counters, chunky pixels',
    `${NOT_GAME}, modern 3d graphics, smooth gradients`,
  ),
  'Game Retro Game': T(
    'retro video game art of {prompt}, 16-bit era graphics, limited colour palette, nostalgic pixel sprites',
    `${NOT_GAME}, modern 3d graphics, high resolution textures`,
  ),
  'Game Rpg Fantasy Game': T(
    'fantasy role-playing game scene of {prompt}, heroic party, enchanted lands, detailed game environment, quest adventure',
    `${NOT_GAME}, modern setting, sci-fi`,
  ),
  'Game Strategy Game': T(
    'strategy game view of {prompt}, top-down battlefield map, tactical unit layout, detailed terrain, command interface',
    `${NOT_GAME}, close-up portrait, first person`,
  ),
  'Game Streetfighter': T(
    'arcade fighting game art of {prompt}, muscular fighters, bold special-move effects, vivid stage backdrop, 90s arcade flair',
    `${NOT_GAME}, peaceful, static`,
  ),
  'Game Zelda': T(
    'fantasy adventure game art of {prompt}, cel-shaded hero in green lands, ancient ruins, bright open world, whimsical exploration',
    `${NOT_GAME}, sci-fi, grim, gritty`,
  ),

  // twri: misc
  'Misc Architectural': T(
    'architectural visualisation of {prompt}, clean lines, striking structure, considered proportions, professional rendering',
    `${FLAWS}, curvy organic chaos, cluttered, people in focus`,
  ),
  'Misc Disco': T(
    'disco scene of {prompt}, mirror-ball sparkle, glittering lights, 70s groove, vibrant dancefloor colours',
    `${FLAWS}, dull, muted, minimal, rustic`,
  ),
  'Misc Dreamscape': T(
    'dreamscape of {prompt}, floating ethereal landscape, soft glow, surreal serene atmosphere, otherworldly beauty',
    `${FLAWS}, mundane, realistic, harsh lighting`,
  ),
  'Misc Dystopian': T(
    'dystopian scene of {prompt}, oppressive bleak cityscape, decaying structures, smoggy muted light, authoritarian mood',
    `${FLAWS}, utopian, cheerful, bright colours`,
  ),
  'Misc Fairy Tale': T(
    'fairy tale illustration of {prompt}, enchanted forest magic, storybook charm, soft golden light, whimsical wonder',
    `${FLAWS}, dark horror, gritty, modern`,
  ),
  'Misc Gothic': T(
    'gothic artwork of {prompt}, pointed arches, candlelit shadows, dark romantic mood, ornate stone and iron',
    `${NOT_BRIGHT}, modern, minimal`,
  ),
  'Misc Grunge': T(
    'grunge style image of {prompt}, distressed textures, grimy layers, muted tones, raw rebellious feel',
    `${FLAWS.replace('blurry, ', '')}, clean, polished, glossy`,
  ),
  'Misc Horror': T(
    'horror scene of {prompt}, terrifying atmosphere, deep shadows, unsettling presence, chilling dread',
    `${NOT_BRIGHT}, safe, calm`,
  ),
  'Misc Kawaii': T(
    'kawaii illustration of {prompt}, adorable chibi style, pastel colours, rosy cheeks, sweet and playful',
    `${NOT_DARK}, realistic, scary`,
  ),
  'Misc Lovecraftian': T(
    'lovecraftian horror of {prompt}, cosmic eldritch entity, writhing tentacles, maddening scale, ancient dread',
    `${NOT_BRIGHT}, ordinary, comforting`,
  ),
  'Misc Macabre': T(
    'macabre artwork of {prompt}, morbid beauty, skulls and withered flowers, dim eerie light, dark romanticism',
    `${NOT_BRIGHT}, lively, happy`,
  ),
  'Misc Manga': T(
    'manga illustration of {prompt}, japanese comic inking, screentones, expressive eyes, dramatic action lines',
    `${NOT_REAL}, western comic`,
  ),
  'Misc Metropolis': T(
    'metropolis panorama of {prompt}, towering skyline, dense bustling streets, grand urban scale, city lights',
    `${FLAWS}, rural, countryside, empty wilderness`,
  ),
  'Misc Minimalist': T(
    'minimalist composition of {prompt}, simple shapes, generous negative space, restrained palette, clean and calm',
    `${FLAWS}, cluttered, busy, ornate, noisy`,
  ),
  'Misc Monochrome': T(
    'monochrome image of {prompt}, single-hue tonality, strong contrast, rich shades and textures',
    `${NOT_COLOUR}, multicoloured, rainbow`,
  ),
  'Misc Nautical': T(
    'nautical scene of {prompt}, sailing ships, rolling sea, ropes and brass, salty maritime atmosphere',
    `${FLAWS}, desert, landlocked, urban`,
  ),
  'Misc Space': T(
    'outer space scene of {prompt}, stars and galaxies, cosmic nebula colours, weightless vastness',
    `${FLAWS}, earthbound, daylight sky, landscape`,
  ),
  'Misc Stained Glass': T(
    'stained glass window of {prompt}, leaded glass segments, luminous jewel colours, backlit cathedral glow',
    `${NOT_REAL}, opaque, dull colours`,
  ),
  'Misc Techwear Fashion': T(
    'techwear fashion look of {prompt}, functional black layers, straps and buckles, urban utility, futuristic streetwear',
    `${FLAWS}, vintage, frilly, colourful costume`,
  ),
  'Misc Tribal': T(
    'tribal art of {prompt}, bold traditional patterns, earthy pigments, ancestral symbols, handcrafted motifs',
    `${NOT_MODERN}, photograph`,
  ),
  'Misc Zentangle': T(
    'zentangle drawing of {prompt}, intricate repeating ink patterns, meditative linework, black on white',
    `${NOT_COLOUR}, photograph, shading gradients`,
  ),

  // twri: papercraft
  'Papercraft Collage': T(
    'paper collage of {prompt}, cut and torn paper pieces, mixed textures, layered scraps, handmade composition',
    NOT_CRAFT,
  ),
  'Papercraft Flat Papercut': T(
    'flat papercut art of {prompt}, clean silhouette cutouts, solid colour paper, simple layered shapes',
    `${NOT_CRAFT}, 3d depth, gradients`,
  ),
  'Papercraft Kirigami': T(
    'kirigami sculpture of {prompt}, precisely cut and folded paper, delicate pop-up structure, white paper elegance',
    `${NOT_CRAFT}, glue, messy`,
  ),
  'Papercraft Paper Mache': T(
    'papier-mache sculpture of {prompt}, lumpy handmade forms, visible newspaper strips, painted surface, crafty charm',
    `${NOT_CRAFT}, smooth plastic, glossy`,
  ),
  'Papercraft Paper Quilling': T(
    'paper quilling art of {prompt}, coiled paper strips, intricate spiral filigree, colourful curls, fine craftsmanship',
    `${NOT_CRAFT}, flat print`,
  ),
  'Papercraft Papercut Collage': T(
    'papercut collage of {prompt}, layered cut-paper shapes, varied paper textures, playful composition, shadowed edges',
    NOT_CRAFT,
  ),
  'Papercraft Papercut Shadow Box': T(
    'papercut shadow box of {prompt}, stacked paper layers in depth, backlit glow, dimensional silhouettes, framed diorama',
    `${NOT_CRAFT}, flat, single layer`,
  ),
  'Papercraft Stacked Papercut': T(
    'stacked papercut art of {prompt}, many layers of coloured paper, topographic depth, soft shadows between sheets',
    `${NOT_CRAFT}, flat, single layer`,
  ),
  'Papercraft Thick Layered Papercut': T(
    'thick layered papercut of {prompt}, deep cardstock layers, bold shadows, chunky dimensional cutouts',
    `${NOT_CRAFT}, thin, flat`,
  ),

  // twri: photo
  'Photo Alien': T(
    'photo of an alien world with {prompt}, extraterrestrial landscape, strange flora, uncanny sky, sci-fi realism',
    `${NOT_PHOTO}, earthly, ordinary`,
  ),
  'Photo Film Noir': T(
    'film noir photograph of {prompt}, black and white, hard shadows through blinds, smoky mystery, 1940s detective mood',
    `${NOT_PHOTO}, colour, bright, cheerful`,
  ),
  'Photo Glamour': T(
    'glamour photograph of {prompt}, flawless styling, soft beauty lighting, elegant pose, luxurious allure',
    `${NOT_PHOTO}, unflattering, harsh light, messy`,
  ),
  'Photo Hdr': T(
    'hdr photograph of {prompt}, wide dynamic range, vivid detail in highlights and shadows, dramatic tonemapped look',
    `${NOT_PHOTO}, flat, washed out, low contrast`,
  ),
  'Photo Iphone Photographic': T(
    'smartphone photo of {prompt}, casual handheld shot, natural colours, everyday realism, mobile camera look',
    `${NOT_PHOTO}, studio, professional lighting`,
  ),
  'Photo Long Exposure': T(
    'long exposure photograph of {prompt}, silky motion blur, light trails, smooth water, stillness and movement combined',
    `${NOT_PHOTO.replace('blurry, ', '')}, frozen motion`,
  ),
  'Photo Neon Noir': T(
    'neon noir photograph of {prompt}, moody night, neon reflections on wet streets, deep shadows, cinematic mystery',
    `${NOT_PHOTO}, daylight, cheerful`,
  ),
  'Photo Silhouette': T(
    'silhouette photograph of {prompt}, dark figure against a bright sky, strong backlight, graphic outline, sunset glow',
    `${NOT_PHOTO}, front lighting, detailed faces`,
  ),
  'Photo Tilt Shift': T(
    'tilt-shift photograph of {prompt}, miniature model effect, narrow band of focus, high vantage point, toy-like scene',
    `${NOT_PHOTO.replace('blurry, ', '')}, everything in focus`,
  ),

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

  // marc_k3nt3l
  'Mk Chromolithography': T(
    'chromolithograph of {prompt}, rich layered printed colours, vintage lithographic texture, 19th-century print charm',
    NOT_PRINT,
  ),
  'Mk Cross Processing Print': T(
    'cross-processed photo of {prompt}, shifted surreal colours, high contrast, punchy film chemistry',
    `${NOT_PHOTO}, natural colour`,
  ),
  'Mk Dufaycolor Photograph': T(
    'dufaycolor photograph of {prompt}, early additive colour film, fine mosaic screen, soft muted hues, 1930s feel',
    NOT_PRINT,
  ),
  'Mk Herbarium': T(
    'herbarium specimen of {prompt}, pressed and dried plant on aged paper, handwritten label, botanical archive',
    `${NOT_MODERN}, living plant, vivid`,
  ),
  'Mk Punk Collage': T(
    'punk collage of {prompt}, ripped photocopies, ransom-note letters, safety pins, diy zine chaos',
    `${FLAWS.replace(', text', '')}, neat, polished, glossy`,
  ),
  'Mk Mosaic': T(
    'mosaic of {prompt}, small tesserae tiles, grout lines, ancient tile craftsmanship, rich colour pieces',
    `${FLAWS}, smooth painting, photograph`,
  ),
  'Mk Van Gogh': T(
    'post-impressionist painting of {prompt} in the manner of van gogh, swirling impasto strokes, vivid yellows and blues',
    `${NOT_PAINTED}, smooth, flat`,
  ),
  'Mk Coloring Book': T(
    'colouring book page of {prompt}, clean black outlines, empty white areas, simple shapes to fill in',
    `${NOT_COLOUR}, shading, grey fills`,
  ),
  'Mk Singer Sargent': T(
    'portrait painting of {prompt} in the manner of john singer sargent, fluid confident brushwork, elegant society light',
    `${NOT_PAINTED}, cartoon`,
  ),
  'Mk Pollock': T(
    'drip painting of {prompt} in the manner of jackson pollock, tangled skeins of paint, energetic all-over composition',
    `${NOT_REAL}, figurative, neat`,
  ),
  'Mk Basquiat': T(
    'neo-expressionist artwork of {prompt} in the manner of basquiat, raw crowns and scrawls, crude figures, vivid street energy',
    `${FLAWS.replace(', text', '')}, photograph, polished, realistic`,
  ),
  'Mk Andy Warhol': T(
    'pop art silkscreen of {prompt} in the manner of andy warhol, repeated panels, flat saturated colours, celebrity gloss',
    `${NOT_REAL}, muted colours`,
  ),
  'Mk Halftone Print': T(
    'halftone print of {prompt}, visible dot screen, limited ink colours, vintage newspaper texture',
    `${FLAWS}, smooth gradients, photograph`,
  ),
  'Mk Gond Painting': T(
    'gond painting of {prompt}, dotted and dashed line patterns, vivid folk colours, nature motifs, indian tribal art',
    `${NOT_MODERN}, photograph, realism`,
  ),
  'Mk Albumen Print': T(
    'albumen print of {prompt}, warm sepia tones, fine detail, glossy aged surface, 19th-century photograph',
    NOT_PRINT,
  ),
  'Mk Aquatint Print': T(
    'aquatint print of {prompt}, tonal etched washes, soft grain, subtle gradations, antique intaglio',
    NOT_PRINT,
  ),
  'Mk Anthotype Print': T(
    'anthotype print of {prompt}, plant-pigment image, faded botanical hues, soft ghostly exposure',
    NOT_PRINT,
  ),
  'Mk Inuit Carving': T(
    'inuit carving of {prompt}, hand-carved soapstone, smooth rounded forms, arctic wildlife motifs',
    `${FLAWS}, photograph of a city, glossy plastic`,
  ),
  'Mk Bromoil Print': T(
    'bromoil print of {prompt}, painterly inked photograph, soft brushed tones, pictorial atmosphere',
    NOT_PRINT,
  ),
  'Mk Calotype Print': T(
    'calotype print of {prompt}, paper negative softness, brown tones, grainy early photograph',
    NOT_PRINT,
  ),
  'Mk Color Sketchnote': T(
    'colour sketchnote of {prompt}, hand-drawn notes and icons, arrows and banners, marker highlights, visual thinking',
    `${FLAWS.replace(', text', '')}, photograph, cluttered`,
  ),
  'Mk Cibulak Porcelain': T(
    'blue onion porcelain of {prompt}, cobalt blue painted pattern on white china, delicate floral ornament',
    `${FLAWS}, multicoloured, photograph of food`,
  ),
  'Mk Alcohol Ink Art': T(
    'alcohol ink art of {prompt}, flowing translucent colour blooms, organic cells, metallic edges',
    `${FLAWS}, hard outlines, photograph`,
  ),
  'Mk One Line Art': T(
    'single continuous line drawing of {prompt}, one unbroken stroke, minimal elegant contour, white background',
    `${NOT_COLOUR}, shading, multiple strokes`,
  ),
  'Mk Blacklight Paint': T(
    'blacklight painting of {prompt}, fluorescent neon pigments glowing under uv, dark background, vibrant glow',
    `${FLAWS}, daylight, muted colours`,
  ),
  'Mk Carnival Glass': T(
    'carnival glass of {prompt}, iridescent pressed glass, rainbow metallic sheen, vintage decorative piece',
    `${FLAWS}, matte, dull`,
  ),
  'Mk Cyanotype Print': T(
    'cyanotype print of {prompt}, prussian blue and white, sun-printed silhouettes, botanical photogram feel',
    `${FLAWS}, multicoloured, vivid`,
  ),
  'Mk Cross Stitching': T(
    'cross-stitch embroidery of {prompt}, tiny x-shaped stitches on aida cloth, pixel-like thread pattern',
    `${NOT_CRAFT}, smooth print`,
  ),
  'Mk Encaustic Paint': T(
    'encaustic painting of {prompt}, layered beeswax, translucent glowing surface, textured scraped layers',
    `${NOT_PAINTED}, flat`,
  ),
  'Mk Embroidery': T(
    'embroidery of {prompt}, satin and french-knot stitches, colourful thread on fabric, hoop-stretched handcraft',
    `${NOT_CRAFT}, print`,
  ),
  'Mk Gyotaku': T(
    'gyotaku print of {prompt}, ink rubbing from a real subject, rice paper, black ink impression, japanese fish-print tradition',
    `${NOT_COLOUR}, photograph`,
  ),
  'Mk Luminogram': T(
    'luminogram of {prompt}, cameraless light drawing on photo paper, glowing abstract gradients, darkroom experiment',
    `${FLAWS}, literal scene, colour photo`,
  ),
  'Mk Lite Brite Art': T(
    'lite brite artwork of {prompt}, glowing coloured pegs on black grid, dotted light pixels',
    `${FLAWS}, smooth, daylight`,
  ),
  'Mk Mokume Gane': T(
    'mokume-gane metalwork of {prompt}, layered mixed metals, flowing wood-grain patterns, polished craftsmanship',
    `${FLAWS}, plastic, painting`,
  ),
  'Pebble Art': T(
    'pebble art of {prompt}, arranged smooth stones, natural textures, minimal nature craft on a plain background',
    `${NOT_CRAFT}, plastic`,
  ),
  'Mk Palekh': T(
    'palekh miniature of {prompt}, black lacquer box painting, fine gold detailing, russian fairy tale scenes',
    `${NOT_MODERN}, photograph`,
  ),
  'Mk Suminagashi': T(
    'suminagashi marbling of {prompt}, floating ink rings, rippling concentric lines, water-printed paper',
    `${FLAWS}, hard edges, photograph`,
  ),
  'Mk Scrimshaw': T(
    'scrimshaw engraving of {prompt}, fine etched lines on ivory-toned surface, nautical motifs, inked scratches',
    `${NOT_COLOUR}, photograph`,
  ),
  'Mk Shibori': T(
    'shibori textile of {prompt}, indigo resist-dyed fabric, folded and bound patterns, soft blue bleeding edges',
    `${FLAWS}, multicoloured, photograph`,
  ),
  'Mk Vitreous Enamel': T(
    'vitreous enamel piece of {prompt}, fused glossy glass on metal, jewel colours, cloisonne outlines',
    `${FLAWS}, matte, dull`,
  ),
  'Mk Ukiyo E': T(
    'ukiyo-e woodblock print of {prompt}, flat colour areas, bold outlines, edo period style, textured washi paper',
    `${NOT_MODERN}, photograph`,
  ),
  'Mk Vintage Airline Poster': T(
    'vintage airline poster of {prompt}, mid-century travel glamour, bold flat colours, propeller planes, retro lettering',
    `${FLAWS.replace(', text', '')}, photograph, modern`,
  ),
  'Mk Vintage Travel Poster': T(
    'vintage travel poster of {prompt}, sunny destination scene, flat screenprint colours, art deco lettering',
    `${FLAWS.replace(', text', '')}, photograph, modern`,
  ),
  'Mk Bauhaus Style': T(
    'bauhaus style design of {prompt}, geometric primary shapes, functional composition, clean modernist balance',
    `${NOT_REAL}, ornate, decorative`,
  ),
  'Mk Afrofuturism': T(
    'afrofuturist artwork of {prompt}, african culture fused with sci-fi technology, bold patterns, cosmic pride',
    `${FLAWS}, dull, muted`,
  ),
  'Mk Atompunk': T(
    'atompunk artwork of {prompt}, 1950s atomic age tech, chrome rockets, ray guns, optimistic retro future',
    `${FLAWS}, medieval, rustic`,
  ),
  'Mk Constructivism': T(
    'constructivist graphic of {prompt}, geometric montage, red and black blocks, bold diagonal type, industrial energy',
    `${NOT_REAL}, ornate`,
  ),
  'Mk Chicano Art': T(
    'chicano art of {prompt}, bold mural colours, cultural iconography, fine-line detail, pride and heritage',
    `${FLAWS}, dull, muted`,
  ),
  'Mk De Stijl': T(
    'de stijl composition of {prompt}, primary colour rectangles, black grid lines, white ground, strict abstraction',
    `${NOT_REAL}, curves, diagonals`,
  ),
  'Mk Dayak Art': T(
    'dayak art of {prompt}, swirling borneo tribal motifs, carved wood patterns, earthy pigments',
    `${NOT_MODERN}, photograph`,
  ),
  'Mk Fayum Portrait': T(
    'fayum mummy portrait of {prompt}, encaustic on wood panel, large soulful eyes, roman-egyptian realism',
    `${NOT_MODERN}, cartoon`,
  ),
  'Mk Illuminated Manuscript': T(
    'illuminated manuscript page of {prompt}, gold leaf initials, decorative borders, medieval miniature painting on vellum',
    `${NOT_MODERN}, photograph`,
  ),
  'Mk Kalighat Painting': T(
    'kalighat painting of {prompt}, bold sweeping brush outlines, flat bright colours, bengali folk style',
    `${NOT_MODERN}, photograph`,
  ),
  'Mk Madhubani Painting': T(
    'madhubani painting of {prompt}, dense line patterns, vibrant natural colours, fish and peacock motifs, mithila folk art',
    `${NOT_MODERN}, photograph`,
  ),
  'Mk Pictorialism': T(
    'pictorialist photograph of {prompt}, soft-focus painterly print, gum bichromate tones, atmospheric romantic mood',
    NOT_PRINT,
  ),
  'Mk Pichwai Painting': T(
    'pichwai painting of {prompt}, devotional cloth art, lotus and cow motifs, gold details, rich rajasthani colour',
    `${NOT_MODERN}, photograph`,
  ),
  'Mk Patachitra Painting': T(
    'patachitra painting of {prompt}, scroll-painting narrative, ornate borders, bold outlines, odisha folk mythology',
    `${NOT_MODERN}, photograph`,
  ),
  'Mk Samoan Art Inspired': T(
    'samoan-inspired artwork of {prompt}, tapa cloth patterns, geometric polynesian motifs, earthy browns',
    `${NOT_MODERN}, photograph`,
  ),
  'Mk Tlingit Art': T(
    'tlingit formline art of {prompt}, ovoid and u-form shapes, black and red on natural wood, pacific northwest tradition',
    `${NOT_MODERN}, photograph`,
  ),
  'Mk Adnate Style': T(
    'street portrait mural of {prompt} in the manner of adnate, large-scale realistic face, soulful gaze, spray-painted wall texture',
    `${FLAWS}, cartoon, flat`,
  ),
  'Mk Ron English Style': T(
    'pop surrealist painting of {prompt} in the manner of ron english, satirical mashups, glossy cartoon icons, subversive humour',
    `${FLAWS}, photograph, muted`,
  ),
  'Mk Shepard Fairey Style': T(
    'propaganda-style poster of {prompt} in the manner of shepard fairey, limited red beige and blue palette, stencil portrait, bold graphic shapes',
    `${FLAWS.replace(', text', '')}, photograph, full colour`,
  ),
};

/**
 * Our templates by name, in TEMPLATES' order (which is Fooocus's load order, so `Random Style`
 * draws over the same ordered list Fooocus would).
 */
export const STYLE_TEMPLATES: ReadonlyMap<string, StyleTemplate> = new Map(
  Object.entries(TEMPLATES).map(([name, template]) => [name, Object.freeze(template)]),
);
