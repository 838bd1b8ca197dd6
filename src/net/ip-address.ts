/**
 * IP literal parsing to raw bytes, so range checks compare numbers and never strings (string
 * prefixes miss `::ffff:7f00:1`, `0:0:0:0:0:0:0:1` and other spellings of the same address).
 */
import { isIPv4, isIPv6 } from 'node:net';

/** 4 bytes for IPv4, 16 for IPv6; null when the text is not an IP literal. */
export function parseIp(text: string): Uint8Array | null {
  // Zone ids (`fe80::1%eth0`) and URL brackets (`[::1]`) do not change which range the address is in.
  const ip = text.replace(/^\[(.*)\]$/, '$1').replace(/%.*$/, '');
  if (isIPv4(ip)) return Uint8Array.from(ip.split('.').map(Number));
  if (isIPv6(ip)) return parseIpv6(ip);
  return null;
}

function parseIpv6(ip: string): Uint8Array {
  let head = ip;
  let tailV4: number[] = [];
  const lastColon = ip.lastIndexOf(':');
  if (ip.slice(lastColon + 1).includes('.')) {
    // A trailing dotted quad (`::ffff:1.2.3.4`) fills the last two groups.
    tailV4 = ip
      .slice(lastColon + 1)
      .split('.')
      .map(Number);
    head = ip.slice(0, lastColon + 1) + '0:0';
  }
  const [left, right] = head.includes('::') ? head.split('::') : [head, undefined];
  const leftGroups = left ? left.split(':') : [];
  const rightGroups = right ? right.split(':') : [];
  const missing = 8 - leftGroups.length - rightGroups.length;
  const groups = [...leftGroups, ...Array<string>(right === undefined ? 0 : missing).fill('0'), ...rightGroups];
  const bytes = new Uint8Array(16);
  groups.forEach((group, i) => {
    const value = parseInt(group, 16);
    bytes[i * 2] = value >> 8;
    bytes[i * 2 + 1] = value & 0xff;
  });
  if (tailV4.length === 4) bytes.set(tailV4, 12);
  return bytes;
}

/** True when the first `prefixLength` bits of `bytes` equal those of `network`. */
export function inPrefix(bytes: Uint8Array, network: Uint8Array, prefixLength: number): boolean {
  if (bytes.length !== network.length) return false;
  let bits = prefixLength;
  for (let i = 0; bits > 0; i++, bits -= 8) {
    const mask = bits >= 8 ? 0xff : (0xff << (8 - bits)) & 0xff;
    if ((bytes[i] & mask) !== (network[i] & mask)) return false;
  }
  return true;
}

/** `"10.0.0.0/8"` → matcher; the table form keeps the range lists readable and reviewable. */
export function parseCidr(cidr: string): { network: Uint8Array; prefixLength: number } {
  const [ip, length] = cidr.split('/');
  const network = parseIp(ip);
  if (!network) throw new Error(`bad CIDR in range table: ${cidr}`);
  return { network, prefixLength: Number(length) };
}
