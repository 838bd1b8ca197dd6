/**
 * Style templates: marc_k3nt3l's styles (sdxl_styles_marc_k3nt3l).
 * Golden data (see ../style-templates.ts).
 */
import {
  FLAWS,
  NOT_COLOUR,
  NOT_CRAFT,
  NOT_MODERN,
  NOT_PAINTED,
  NOT_PHOTO,
  NOT_PRINT,
  NOT_REAL,
  T,
  type StyleTemplate,
} from './shared.ts';

export const MARC_K3NT3L: Record<string, StyleTemplate> = {
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
