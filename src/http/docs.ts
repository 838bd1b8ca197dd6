/**
 * Swagger UI at /docs (both dialects selectable), each spec as JSON or YAML under /openapi/, the
 * bundle at /openapi.json. Swagger UI gets one plugin (assets/swagger-exact-numbers.js) so replies
 * show 64-bit seeds exactly.
 */
import { fileURLToPath } from 'node:url';
import type { Express } from 'express';
import swaggerUi from 'swagger-ui-express';
import { stringify as toYaml } from 'yaml';
import { NotFoundError } from '../errors.ts';

const EXACT_NUMBERS_PLUGIN = fileURLToPath(new URL('./assets/swagger-exact-numbers.js', import.meta.url));

declare const SwaggerUIBundle: { plugins: { DownloadUrl: (system: unknown) => unknown } };

export function mountDocs(
  app: Express,
  specs: Record<string, Record<string, unknown>>,
  document: Record<string, unknown>,
): void {
  app.get('/openapi.json', (_req, res) => void res.json(document));
  app.get('/openapi/:file', (req, res, next) => {
    const match = /^([a-z0-9-]+)\.(json|yaml)$/.exec(String(req.params.file));
    const spec = match ? specs[match[1]] : undefined;
    if (!match || !spec) return next(new NotFoundError('Not Found'));
    if (match[2] === 'json') return void res.json(spec);
    res.type('application/yaml').send(toYaml(spec));
  });
  app.get('/docs/exact-numbers.js', (_req, res) => res.sendFile(EXACT_NUMBERS_PLUGIN));
  const urls = Object.keys(specs).map((name) => ({ url: `/openapi/${name}.json`, name }));
  app.use(
    '/docs',
    swaggerUi.serve,
    swaggerUi.setup(undefined, {
      explorer: true,
      customSiteTitle: 'fooocus-gateway - Swagger UI',
      customJs: '/docs/exact-numbers.js',
      swaggerOptions: {
        urls,
        // These functions run in the browser (swagger-ui-express writes their source into the page).
        plugins: [
          (system: unknown) => SwaggerUIBundle.plugins.DownloadUrl(system),
          (system: unknown) =>
            (globalThis as unknown as { fooocusExactNumbers(s: unknown): unknown }).fooocusExactNumbers(system),
        ],
      },
    }),
  );
}
