/**
 * `/redoc`, as both originals (FastAPI) serve it: ReDoc over `/openapi.json`. The ReDoc bundle is
 * served from our own node_modules (the originals load it from a CDN; these servers are often
 * offline). `?spec=legacy` or `?spec=all-in-one` shows one dialect's document.
 */
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import type { Express } from 'express';

const BUNDLE = join(dirname(createRequire(import.meta.url).resolve('redoc')), 'redoc.standalone.js');

const escapeHtml = (text: string) => text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

export function redocPage(specUrl: string, specNames: readonly string[]): string {
  const links = [
    '<a href="/redoc">both dialects</a>',
    ...specNames.map((n) => `<a href="/redoc?spec=${encodeURIComponent(n)}">${escapeHtml(n)}</a>`),
  ];
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>fooocus-gateway - ReDoc</title>
<style>body{margin:0}nav{font:14px sans-serif;padding:6px 12px;background:#f4f4f4}nav a{margin-right:12px}</style>
</head>
<body>
<nav>Specs: ${links.join(' ')} · <a href="/docs">Swagger UI</a> · <a href="/playground">Playground</a></nav>
<redoc spec-url="${escapeHtml(specUrl)}"></redoc>
<script src="/redoc/redoc.standalone.js"></script>
</body>
</html>
`;
}

export function mountRedoc(specs: Record<string, unknown>) {
  return (app: Express): void => {
    app.get('/redoc/redoc.standalone.js', (_req, res) => res.sendFile(BUNDLE, { maxAge: '1d' }));
    app.get(['/redoc', '/redoc/'], (req, res) => {
      const name = typeof req.query.spec === 'string' && Object.hasOwn(specs, req.query.spec) ? req.query.spec : null;
      res.type('html').send(redocPage(name ? `/openapi/${name}.json` : '/openapi.json', Object.keys(specs)));
    });
  };
}
