/**
 * CLIP text preparation, as OpenAI's simple tokenizer does it: fix text (ftfy), unescape HTML twice,
 * collapse whitespace, lowercase.
 *
 * ftfy is a Python library we do not have. Instead of its full repair (mojibake detection etc.) we do
 * the parts of its default `fix_text` that change ordinary prompts: NFC normalisation, fullwidth ASCII
 * to ASCII, curly quotes to straight ones, Latin ligatures split, control characters dropped.
 * Mojibake ("cafÃ©") is left as is.
 */

/** Python's `str.isspace` set, which is what `re.sub(r'\s+', ...)` collapses (JS `\s` differs slightly). */
const PY_WHITESPACE = '\\t\\n\\v\\f\\r\\x1c-\\x20\\x85\\xa0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000';
const WHITESPACE_RUN = new RegExp(`[${PY_WHITESPACE}]+`, 'g');
export const WHITESPACE_CLASS = PY_WHITESPACE;

const NAMED_ENTITIES: Record<string, string> = {
  amp: '&',
  lt: '<',
  gt: '>',
  quot: '"',
  apos: "'",
  nbsp: '\u00a0',
  copy: '\u00a9',
  reg: '\u00ae',
  hellip: '\u2026',
  mdash: '\u2014',
  ndash: '\u2013',
  lsquo: '\u2018',
  rsquo: '\u2019',
  ldquo: '\u201c',
  rdquo: '\u201d',
  times: '\u00d7',
  deg: '\u00b0',
  eacute: '\u00e9',
  egrave: '\u00e8',
};

/** The common subset of Python's `html.unescape`: the frequent named entities and all numeric ones. */
export function unescapeHtml(text: string): string {
  return text.replace(/&(#[0-9]+|#[xX][0-9a-fA-F]+|[A-Za-z][A-Za-z0-9]*);/g, (whole, body: string) => {
    if (body[0] === '#') {
      const code = body[1] === 'x' || body[1] === 'X' ? parseInt(body.slice(2), 16) : parseInt(body.slice(1), 10);
      // Python maps invalid code points to U+FFFD rather than failing.
      return code > 0 && code <= 0x10ffff && !(code >= 0xd800 && code <= 0xdfff)
        ? String.fromCodePoint(code)
        : '\ufffd';
    }
    return NAMED_ENTITIES[body] ?? whole;
  });
}

const LIGATURES: Record<string, string> = {
  '\u0132': 'IJ',
  '\u0133': 'ij',
  '\u01c7': 'LJ',
  '\u01c8': 'Lj',
  '\u01c9': 'lj',
  '\u01ca': 'NJ',
  '\u01cb': 'Nj',
  '\u01cc': 'nj',
  '\u01f1': 'DZ',
  '\u01f2': 'Dz',
  '\u01f3': 'dz',
  '\ufb00': 'ff',
  '\ufb01': 'fi',
  '\ufb02': 'fl',
  '\ufb03': 'ffi',
  '\ufb04': 'ffl',
  '\ufb05': 'ſt',
  '\ufb06': 'st',
};

/** The ftfy stand-in described in the file comment. */
export function fixText(text: string): string {
  return (
    text
      .replace(/[\u0132\u0133\u01c7-\u01cc\u01f1-\u01f3\ufb00-\ufb06]/g, (c) => LIGATURES[c] ?? c)
      .replace(/[\uff01-\uff5e]/g, (c) => String.fromCharCode(c.charCodeAt(0) - 0xfee0))
      .replace(/\u3000/g, ' ')
      .replace(/[\u2018\u2019\u201a\u201b\u2032]/g, "'")
      .replace(/[\u201c\u201d\u201e\u201f\u2033]/g, '"')
      .replace(/\r\n?/g, '\n')
      // C0/C1 controls other than whitespace, as ftfy's remove_control_chars.
      // eslint-disable-next-line no-control-regex -- matching control characters is the point here
      .replace(/[\x00-\x08\x0e-\x1f\x7f-\x84\x86-\x9f]/g, '')
      .normalize('NFC')
  );
}

/** Full CLIP cleaning: fix, unescape twice, strip, collapse whitespace, lowercase. */
export function cleanClipText(text: string): string {
  const unescaped = unescapeHtml(unescapeHtml(fixText(text)));
  // Trim only the collapsed spaces: JS trim() would also drop U+FEFF, which Python keeps.
  return unescaped.replace(WHITESPACE_RUN, ' ').replace(/^ | $/g, '').toLowerCase();
}
