/** operationId → handler: the one table the app mounts (a startup check keeps it equal to the spec). */
import type { RequestHandler } from 'express';
import type { RouteDeps } from '../route-deps.ts';
import { allModelsRoute, controlRoute, healthRoute, homeRoute, missingModelRoute, stylesRoute } from './engines.route.ts';
import { inputFileRoute, outputFileRoute } from './files.route.ts';
import { generateRoute } from './generate.route.ts';
import { cancelTaskRoute, getTaskRoute, listTasksRoute } from './tasks.route.ts';

export function operationHandlers(deps: RouteDeps): Record<string, RequestHandler> {
  const generate = generateRoute(deps);
  const control = controlRoute(deps);
  return {
    home: homeRoute(),
    health: healthRoute(deps),
    generate,
    generateNoSlash: generate,
    control,
    controlSlash: control,
    generateMask: missingModelRoute('mask', 'Mask generation'),
    describeImage: missingModelRoute('describe', 'Image description'),
    listTasks: listTasksRoute(deps),
    getTask: getTaskRoute(deps),
    cancelTask: cancelTaskRoute(deps),
    getOutputFile: outputFileRoute(deps),
    getInputFile: inputFileRoute(deps),
    allModels: allModelsRoute(deps),
    allStyles: stylesRoute(deps),
  };
}
