/**
 * SSRF guard for URLs a client sends us (image inputs, per-request webhook_url; DECISIONS §3
 * "Inputs by URL"). The caller must connect to the returned address, not resolve the name again:
 * see pinned-agents.ts, which defeats DNS rebinding between check and connect.
 */
import { lookup as dnsLookup } from 'node:dns/promises';
import { inPrefix, parseCidr, parseIp } from './ip-address.ts';

export interface LookupAddress {
  address: string;
  /** 4 or 6. */
  family: number;
}

/** Resolves every address of a host name (the real one is dns.lookup with `all: true`). */
export type LookupFn = (hostname: string) => Promise<readonly LookupAddress[]>;

export interface ResolvedTarget {
  url: URL;
  /** Host name as in the URL, brackets removed; TLS still verifies against it. */
  hostname: string;
  /** The checked address the connection must go to. */
  address: string;
  family: 4 | 6;
}

export type UnsafeUrlKind = 'invalid-url' | 'scheme' | 'private-address' | 'unresolvable';

export class UnsafeUrlError extends Error {
  constructor(
    readonly kind: UnsafeUrlKind,
    readonly reason: string,
    options: { cause?: unknown } = {},
  ) {
    super(reason, options);
    this.name = 'UnsafeUrlError';
  }
}

// Special-purpose ranges (IANA registries) that are never a public web server.
const PRIVATE_V4 = [
  '0.0.0.0/8', // "this network"
  '10.0.0.0/8',
  '100.64.0.0/10', // CGNAT
  '127.0.0.0/8',
  '169.254.0.0/16', // link-local, incl. cloud metadata 169.254.169.254
  '172.16.0.0/12',
  '192.0.0.0/24', // IETF protocol assignments
  '192.0.2.0/24', // documentation
  '192.88.99.0/24', // 6to4 relay anycast
  '192.168.0.0/16',
  '198.18.0.0/15', // benchmarking
  '198.51.100.0/24', // documentation
  '203.0.113.0/24', // documentation
  '224.0.0.0/4', // multicast
  '240.0.0.0/4', // reserved, incl. broadcast
].map(parseCidr);

const PRIVATE_V6 = [
  '::/8', // reserved: unspecified, loopback, IPv4-compatible
  '64:ff9b:1::/48', // local-use NAT64
  '100::/64', // discard-only
  '2001::/23', // IETF protocol assignments, incl. Teredo
  '2001:db8::/32', // documentation
  '3fff::/20', // documentation
  'fc00::/7', // unique local
  'fe80::/10', // link-local
  'fec0::/10', // site-local (deprecated)
  'ff00::/8', // multicast
].map(parseCidr);

// IPv6 forms that carry an IPv4 address: judge the embedded one (::ffff:127.0.0.1 is loopback).
const EMBEDDED_V4: { range: ReturnType<typeof parseCidr>; offset: number }[] = [
  { range: parseCidr('::ffff:0:0/96'), offset: 12 }, // IPv4-mapped
  { range: parseCidr('64:ff9b::/96'), offset: 12 }, // NAT64 well-known prefix
  { range: parseCidr('2002::/16'), offset: 2 }, // 6to4
];

/**
 * True for loopback, private, link-local, CGNAT, multicast, reserved and documentation addresses; also for anything
 * that is not an IP literal (fail closed).
 */
export function isPrivateAddress(ip: string): boolean {
  const bytes = parseIp(ip);
  if (!bytes) return true;
  if (bytes.length === 4) return PRIVATE_V4.some((r) => inPrefix(bytes, r.network, r.prefixLength));
  for (const { range, offset } of EMBEDDED_V4) {
    if (inPrefix(bytes, range.network, range.prefixLength)) {
      return isPrivateAddress(Array.from(bytes.subarray(offset, offset + 4)).join('.'));
    }
  }
  return PRIVATE_V6.some((r) => inPrefix(bytes, r.network, r.prefixLength));
}

const defaultLookup: LookupFn = (hostname) => dnsLookup(hostname, { all: true, verbatim: true });

/**
 * Checks a URL before we fetch or POST to it: http(s) only, and (unless allowPrivate) every
 * address the host resolves to must be public — one private answer is enough to refuse, since
 * the connection could otherwise pick it. Throws UnsafeUrlError.
 */
export async function assertFetchableUrl(
  url: string,
  opts: { allowPrivate: boolean; lookup?: LookupFn },
): Promise<ResolvedTarget> {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch (cause) {
    throw new UnsafeUrlError('invalid-url', 'not a valid URL', { cause });
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
    throw new UnsafeUrlError(
      'scheme',
      `scheme '${parsed.protocol.replace(/:$/, '')}' is not allowed; use http or https`,
    );
  }
  const hostname = parsed.hostname.replace(/^\[(.*)\]$/, '$1');
  if (hostname === '') throw new UnsafeUrlError('invalid-url', 'the URL has no host');

  let addresses: readonly LookupAddress[];
  if (parseIp(hostname)) {
    addresses = [{ address: hostname, family: hostname.includes(':') ? 6 : 4 }];
  } else {
    try {
      addresses = await (opts.lookup ?? defaultLookup)(hostname);
    } catch (cause) {
      throw new UnsafeUrlError('unresolvable', `could not resolve host '${hostname}'`, { cause });
    }
    if (addresses.length === 0) throw new UnsafeUrlError('unresolvable', `host '${hostname}' has no address`);
  }
  if (!opts.allowPrivate) {
    const refused = addresses.find((a) => isPrivateAddress(a.address));
    if (refused) {
      const shown = refused.address === hostname ? `'${hostname}'` : `'${hostname}' (${refused.address})`;
      throw new UnsafeUrlError(
        'private-address',
        `host ${shown} is a private, loopback or reserved address; start the server with --allow-private-urls to permit it`,
      );
    }
  }
  const first = addresses[0];
  return { url: parsed, hostname, address: first.address, family: first.family === 6 ? 6 : 4 };
}
