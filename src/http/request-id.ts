/**
 * Gives every request an id (the client's `X-Request-Id` when it is a sane token, else a new one),
 * echoes it in the reply, runs the rest of the request inside its logging context and logs one
 * line when the reply is done (GETs at debug: clients poll).
 */
import { randomUUID } from 'node:crypto';
import type { RequestHandler } from 'express';
import type { Logger } from '../logging/logger.ts';
import { runWithRequestId } from '../logging/request-context.ts';

const SANE_ID = /^[A-Za-z0-9._:-]{1,128}$/;

export function requestId(logger: Logger): RequestHandler {
  return (req, res, next) => {
    const sent = req.get('x-request-id');
    const id = sent && SANE_ID.test(sent) ? sent : randomUUID();
    res.setHeader('X-Request-Id', id);
    const started = process.hrtime.bigint();
    runWithRequestId(id, () => {
      res.on('finish', () => {
        const ms = Number(process.hrtime.bigint() - started) / 1e6;
        const line = `${req.method} ${req.originalUrl} ${res.statusCode} ${ms.toFixed(1)} ms`;
        if (res.statusCode >= 500) logger.warn(line);
        else if (req.method === 'GET' || req.method === 'HEAD' || req.method === 'OPTIONS') logger.debug(line);
        else logger.info(line);
      });
      next();
    });
  };
}
