/**
 * Style templates: twri's styles: ads, art, futuristic, games, misc, papercraft, photo (sdxl_styles_twri).
 * Golden data (see ../style-templates.ts).
 */
import {
  FLAWS,
  NOT_BRIGHT,
  NOT_COLOUR,
  NOT_CRAFT,
  NOT_DARK,
  NOT_GAME,
  NOT_MODERN,
  NOT_PAINTED,
  NOT_PHOTO,
  NOT_REAL,
  T,
  type StyleTemplate,
} from './shared.ts';

export const TWRI: Record<string, StyleTemplate> = {
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
};
