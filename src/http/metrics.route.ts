/** GET /metrics: the Prometheus text format (outside the specs, like /docs; public like /health). */
import type { Express } from 'express';
import type { GatewayMetrics } from '../metrics/gateway-metrics.ts';

export function mountMetrics(metrics: GatewayMetrics) {
  return (app: Express): void => {
    app.get('/metrics', async (_req, res) => {
      const text = await metrics.render();
      res.setHeader('Content-Type', metrics.contentType());
      res.send(text);
    });
  };
}
