/** operationId → handler: the one table the app mounts (a startup check keeps it equal to the spec). */
import type { RequestHandler } from 'express';
import type { RouteDeps } from '../route-deps.ts';
import { allModelsRoute, controlRoute, healthRoute, homeRoute, stylesRoute } from './engines.route.ts';
import { inputFileRoute, outputFileRoute } from './files.route.ts';
import { generateRoute } from './generate.route.ts';
import {
  legacyCleanVramRoute,
  legacyFileRoute,
  legacyPingRoute,
  legacyRefreshModelsRoute,
} from './legacy-engines.route.ts';
import { legacyEnhanceRoute, legacyFormGenerateRoute, legacyJsonGenerateRoute } from './legacy-generate.route.ts';
import {
  legacyJobHistoryRoute,
  legacyJobQueueRoute,
  legacyQueryJobRoute,
  legacyStopRoute,
} from './legacy-jobs.route.ts';
import { cancelTaskRoute, getTaskRoute, listTasksRoute, taskEventsRoute } from './tasks.route.ts';
import { describeImageRoute, generateMaskRoute } from './tools.route.ts';

export function operationHandlers(deps: RouteDeps): Record<string, RequestHandler> {
  const generate = generateRoute(deps);
  const control = controlRoute(deps);
  const jobQueue = legacyJobQueueRoute(deps);
  return {
    home: homeRoute(),
    health: healthRoute(deps),
    generate,
    generateNoSlash: generate,
    control,
    controlSlash: control,
    generateMask: generateMaskRoute(deps),
    describeImage: describeImageRoute(deps),
    listTasks: listTasksRoute(deps),
    getTask: getTaskRoute(deps),
    cancelTask: cancelTaskRoute(deps),
    taskEvents: taskEventsRoute(deps),
    getOutputFile: outputFileRoute(deps),
    getInputFile: inputFileRoute(deps),
    allModels: allModelsRoute(deps),
    allStyles: stylesRoute(deps),
    // Legacy dialect (openapi/legacy.yaml, fooocus-api-legacy.md).
    legacyTextToImage: legacyJsonGenerateRoute(deps, 'v1/text-to-image'),
    legacyImageUpscaleVary: legacyFormGenerateRoute(deps, 'v1/image-upscale-vary'),
    legacyImageInpaintOutpaint: legacyFormGenerateRoute(deps, 'v1/image-inpaint-outpaint'),
    legacyImagePrompt: legacyFormGenerateRoute(deps, 'v1/image-prompt'),
    legacyImageEnhance: legacyEnhanceRoute(),
    legacyV2TextToImageWithIp: legacyJsonGenerateRoute(deps, 'v2/text-to-image-with-ip'),
    legacyV2ImageUpscaleVary: legacyJsonGenerateRoute(deps, 'v2/image-upscale-vary'),
    legacyV2ImageInpaintOutpaint: legacyJsonGenerateRoute(deps, 'v2/image-inpaint-outpaint'),
    legacyV2ImagePrompt: legacyJsonGenerateRoute(deps, 'v2/image-prompt'),
    legacyV2ImageEnhance: legacyEnhanceRoute(),
    legacyStop: legacyStopRoute(deps),
    legacyQueryJob: legacyQueryJobRoute(deps),
    legacyJobQueue: jobQueue,
    legacyJobQueueEngines: jobQueue,
    legacyJobHistory: legacyJobHistoryRoute(deps),
    legacyRefreshModels: legacyRefreshModelsRoute(deps),
    legacyCleanVram: legacyCleanVramRoute(deps),
    legacyPing: legacyPingRoute(),
    getLegacyFile: legacyFileRoute(deps),
  };
}
