/**
 * One-shot http(s) agents whose DNS lookup always answers the address the SSRF guard checked,
 * so a host that resolves to a public address for the check and a private one for the connect
 * (DNS rebinding) still only reaches the checked address. The URL keeps its host name, so the
 * Host header, SNI and certificate checks are unchanged.
 */
import http from 'node:http';
import https from 'node:https';
import type { LookupFunction } from 'node:net';
import type { ResolvedTarget } from './ssrf-guard.ts';

export function pinnedLookup(target: Pick<ResolvedTarget, 'address' | 'family'>): LookupFunction {
  return (_hostname, options, callback) => {
    // Node 20 asks for `all: true` when autoSelectFamily is on (the default) and expects a list.
    if (options.all) {
      (callback as unknown as (err: null, addresses: { address: string; family: number }[]) => void)(null, [
        { address: target.address, family: target.family },
      ]);
    } else {
      callback(null, target.address, target.family);
    }
  };
}

export function pinnedAgents(target: Pick<ResolvedTarget, 'address' | 'family'>): {
  httpAgent: http.Agent;
  httpsAgent: https.Agent;
} {
  const lookup = pinnedLookup(target);
  return {
    httpAgent: new http.Agent({ lookup, keepAlive: false }),
    httpsAgent: new https.Agent({ lookup, keepAlive: false }),
  };
}
