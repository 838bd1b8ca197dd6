/**
 * `/playground`: a page to generate and watch, served from `playground/` as checked-in plain ES
 * modules, HTML and CSS (no build step at run time).
 */
import { fileURLToPath } from 'node:url';
import express, { type Express } from 'express';

export const PLAYGROUND_DIR = fileURLToPath(new URL('../../playground/', import.meta.url));

export function mountPlayground() {
  return (app: Express): void => {
    app.get('/playground', (_req, res) => res.redirect(308, '/playground/'));
    app.use('/playground/', express.static(PLAYGROUND_DIR, { index: 'index.html', redirect: false, maxAge: 0 }));
  };
}
