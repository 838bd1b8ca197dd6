/**
 * `/playground`: a page to generate and watch, served from `playground/` as checked-in plain ES
 * modules, HTML and CSS (no build step at run time).
 */
import { fileURLToPath } from 'node:url';
import express, { type Express } from 'express';

export const PLAYGROUND_DIR = fileURLToPath(new URL('../../playground/', import.meta.url));

export function mountPlayground() {
  return (app: Express): void => {
    // Relative module URLs need the trailing slash; express matches /playground/ here too, hence the check.
    app.get('/playground', (req, res, next) =>
      req.originalUrl.split('?')[0] === '/playground' ? res.redirect(308, '/playground/') : next(),
    );
    app.use('/playground/', express.static(PLAYGROUND_DIR, { index: 'index.html', redirect: false, maxAge: 0 }));
  };
}
