/** GET /v1/engines/all-models, GET /v1/engines/styles, POST /v1/engine/control, GET /health, GET /. */
import type { Request, Response } from 'express';
import type { RouteDeps } from '../route-deps.ts';
import { sendJson } from '../send-json.ts';

/** `rescan`: look at the folders now (legacy refresh-models) rather than trust the catalogue's last look. */
export function allModelsRoute(deps: RouteDeps, options: { rescan?: boolean } = {}) {
  return async (_req: Request, res: Response): Promise<void> => {
    const { models, loras } = await deps.catalogue.listModels({ force: options.rescan });
    // Additive: the originals' two lists stay as they were; demo checkpoints are named beside them.
    const demo = deps.catalogue.demoModelName;
    sendJson(res, 200, {
      model_filenames: models,
      lora_filenames: loras,
      demo_model_filenames: demo && models.includes(demo) ? [demo] : [],
    });
  };
}

export function stylesRoute(deps: RouteDeps) {
  return (_req: Request, res: Response): void => {
    sendJson(res, 200, deps.catalogue.styles());
  };
}

export function controlRoute(deps: RouteDeps) {
  return (req: Request, res: Response): void => {
    sendJson(res, 200, { message: deps.service.control(String(req.query.action ?? '')) });
  };
}

/** This node's engines and the cluster's nodes (DECISIONS §7); the queue counts are cluster-wide. */
export function healthRoute(deps: RouteDeps) {
  return async (_req: Request, res: Response): Promise<void> => {
    const info = deps.engineInfo();
    const [{ running, pending }, nodes, { models }] = await Promise.all([
      deps.service.activeCounts(),
      deps.node.cluster(),
      deps.catalogue.listModels(),
    ]);
    sendJson(res, 200, {
      status: 'ok',
      provider: info?.provider ?? 'starting',
      threads: info?.threads ?? null,
      queue: { running, pending },
      models,
      node: {
        name: deps.node.name,
        engines: deps.node.engines().map((e) => ({
          device: e.device,
          provider: e.info?.provider ?? 'starting',
          threads: e.info?.threads ?? null,
        })),
        running_tasks: deps.node.runningHere(),
      },
      nodes: nodes.map((n) => ({
        name: n.name,
        state: n.state,
        engines: n.engines,
        devices: n.devices,
        running_tasks: n.runningTasks,
        last_heartbeat: new Date(n.heartbeatMills).toISOString(),
        started_at: new Date(n.startedMills).toISOString(),
        tasks_completed: n.tasksCompleted,
      })),
      demo_models: deps.catalogue.demoModelName ? [deps.catalogue.demoModelName] : [],
    });
  };
}

export function homeRoute() {
  return (_req: Request, res: Response): void => {
    res.redirect(307, '/docs');
  };
}
