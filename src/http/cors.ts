/**
 * CORS as the originals' Starlette middleware (all origins, methods, headers, credentials): browser
 * clients such as FooocusAPI's example page call the API cross-origin.
 */
import type { NextFunction, Request, Response } from 'express';

const EXPOSED = 'X-Fooocus-Warnings, X-Ignored-Fields';
const METHODS = 'DELETE, GET, HEAD, OPTIONS, PATCH, POST, PUT';

export function cors() {
  return (req: Request, res: Response, next: NextFunction): void => {
    const origin = req.headers.origin;
    const isPreflight =
      req.method === 'OPTIONS' && origin !== undefined && req.headers['access-control-request-method'] !== undefined;
    if (isPreflight) {
      res.setHeader('Access-Control-Allow-Origin', origin);
      res.setHeader('Access-Control-Allow-Methods', METHODS);
      res.setHeader('Access-Control-Allow-Headers', req.headers['access-control-request-headers'] ?? '*');
      res.setHeader('Access-Control-Allow-Credentials', 'true');
      res.setHeader('Access-Control-Max-Age', '600');
      res.setHeader('Vary', 'Origin');
      res.status(200).type('text/plain').send('OK');
      return;
    }
    if (origin !== undefined) {
      // With credentials a browser rejects `*`; Starlette echoes the origin when a cookie is sent.
      res.setHeader('Access-Control-Allow-Origin', req.headers.cookie ? origin : '*');
      res.setHeader('Access-Control-Allow-Credentials', 'true');
      res.setHeader('Access-Control-Expose-Headers', EXPOSED);
      if (req.headers.cookie) res.setHeader('Vary', 'Origin');
    }
    next();
  };
}
