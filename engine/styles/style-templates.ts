/**
 * Our own style templates, one for every template name in FOOOCUS_STYLE_NAMES (DECISIONS §4: the
 * names follow Fooocus, the texts are our writing; fooocus-semantics §3.2 for which styles have no
 * positive). Golden data.
 *
 * Invariants (checked by test/unit/engine-styles-templates.test.ts): no newlines; every positive
 * contains `{prompt}` exactly once, except the three negative-only styles whose positive is ''.
 * The tables are in templates/, one per Fooocus style file; the shared negatives in templates/shared.ts.
 */

import { DIVA } from './templates/diva.ts';
import { FOOOCUS_AND_SAI } from './templates/fooocus-sai.ts';
import { MARC_K3NT3L } from './templates/marc-k3nt3l.ts';
import { MRE } from './templates/mre.ts';
import type { StyleTemplate } from './templates/shared.ts';
import { TWRI } from './templates/twri.ts';

export type { StyleTemplate } from './templates/shared.ts';

/** In Fooocus's load order: fooocus, sai, mre, twri, diva, marc_k3nt3l. */
const TEMPLATES: Record<string, StyleTemplate> = { ...FOOOCUS_AND_SAI, ...MRE, ...TWRI, ...DIVA, ...MARC_K3NT3L };

/**
 * Our templates by name, in TEMPLATES' order (which is Fooocus's load order, so `Random Style`
 * draws over the same ordered list Fooocus would).
 */
export const STYLE_TEMPLATES: ReadonlyMap<string, StyleTemplate> = new Map(
  Object.entries(TEMPLATES).map(([name, template]) => [name, Object.freeze(template)]),
);
