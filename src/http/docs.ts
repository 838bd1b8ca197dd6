/** Swagger UI at /docs (both dialects selectable), each spec as JSON or YAML under /openapi/, the bundle at /openapi.json. */
import type { Express } from 'express';
import swaggerUi from 'swagger-ui-express';
import { stringify as toYaml } from 'yaml';
import { NotFoundError } from '../errors.ts';

export function mountDocs(app: Express, specs: Record<string, Record<string, unknown>>, document: Record<string, unknown>): void {
  app.get('/openapi.json', (_req, res) => void res.json(document));
  app.get('/openapi/:file', (req, res, next) => {
    const match = /^([a-z0-9-]+)\.(json|yaml)$/.exec(String(req.params.file));
    const spec = match ? specs[match[1]] : undefined;
    if (!match || !spec) return next(new NotFoundError('Not Found'));
    if (match[2] === 'json') return void res.json(spec);
    res.type('application/yaml').send(toYaml(spec));
  });
  const urls = Object.keys(specs).map((name) => ({ url: `/openapi/${name}.json`, name }));
  app.use('/docs', swaggerUi.serve, swaggerUi.setup(undefined, { explorer: true, swaggerOptions: { urls } }));
}
