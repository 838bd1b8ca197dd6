import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { assertFetchableUrl, isPrivateAddress, UnsafeUrlError, type LookupFn } from '../../src/net/ssrf-guard.ts';

const PRIVATE = [
  '127.0.0.1',
  '127.255.255.254',
  '10.1.2.3',
  '172.16.0.1',
  '172.31.255.255',
  '192.168.1.1',
  '169.254.169.254',
  '169.254.0.1',
  '100.64.0.1',
  '100.127.255.255',
  '0.0.0.0',
  '0.1.2.3',
  '224.0.0.1',
  '239.255.255.250',
  '240.0.0.1',
  '255.255.255.255',
  '192.0.2.5',
  '198.18.0.1',
  '::1',
  '::',
  '0:0:0:0:0:0:0:1',
  'fc00::1',
  'fd12:3456::1',
  'fe80::1',
  'fe80::1%eth0',
  'febf::1',
  'ff02::1',
  '::ffff:127.0.0.1',
  '::ffff:7f00:1',
  '::ffff:169.254.169.254',
  '::ffff:10.0.0.1',
  '::127.0.0.1',
  '64:ff9b::10.0.0.1',
  '64:ff9b::a9fe:a9fe',
  '2002:c0a8:0101::1',
  '2001:db8::1',
  '[::1]',
  'not-an-ip',
  '',
];
const PUBLIC = [
  '8.8.8.8',
  '1.1.1.1',
  '172.15.255.255',
  '172.32.0.1',
  '100.63.255.255',
  '100.128.0.0',
  '169.253.0.1',
  '192.169.0.1',
  '93.184.216.34',
  '2606:4700:4700::1111',
  '2001:4860:4860::8888',
  '::ffff:8.8.8.8',
  '64:ff9b::8.8.8.8',
  '2002:0808:0808::1',
];

describe('isPrivateAddress', () => {
  for (const ip of PRIVATE)
    it(`treats ${JSON.stringify(ip)} as private`, () => assert.equal(isPrivateAddress(ip), true));
  for (const ip of PUBLIC) it(`treats ${ip} as public`, () => assert.equal(isPrivateAddress(ip), false));
});

const fakeLookup = (table: Record<string, string[]>): LookupFn & { calls: string[] } => {
  const calls: string[] = [];
  const fn = async (hostname: string) => {
    calls.push(hostname);
    const addresses = table[hostname];
    if (!addresses) throw Object.assign(new Error(`getaddrinfo ENOTFOUND ${hostname}`), { code: 'ENOTFOUND' });
    return addresses.map((address) => ({ address, family: address.includes(':') ? 6 : 4 }));
  };
  return Object.assign(fn, { calls });
};

async function refusal(promise: Promise<unknown>): Promise<UnsafeUrlError> {
  try {
    await promise;
  } catch (error) {
    assert.ok(error instanceof UnsafeUrlError, `expected UnsafeUrlError, got ${String(error)}`);
    return error;
  }
  assert.fail('expected a refusal');
}

describe('assertFetchableUrl', () => {
  it('returns the first checked address of a public host for pinning', async () => {
    const lookup = fakeLookup({ 'img.example': ['93.184.216.34', '2606:2800:220:1::1'] });
    const target = await assertFetchableUrl('https://img.example/a.png', { allowPrivate: false, lookup });
    assert.deepEqual(
      { hostname: target.hostname, address: target.address, family: target.family },
      { hostname: 'img.example', address: '93.184.216.34', family: 4 },
    );
    assert.equal(target.url.href, 'https://img.example/a.png');
  });

  it('refuses a host when any one of its addresses is private', async () => {
    const lookup = fakeLookup({ 'mixed.example': ['93.184.216.34', '10.0.0.5'] });
    const error = await refusal(assertFetchableUrl('http://mixed.example/', { allowPrivate: false, lookup }));
    assert.equal(error.kind, 'private-address');
    assert.match(error.reason, /10\.0\.0\.5/);
    assert.match(error.reason, /--allow-private-urls/);
  });

  it('refuses IP-literal hosts in private ranges without a DNS lookup, in every spelling', async () => {
    const lookup = fakeLookup({});
    for (const url of [
      'http://127.0.0.1:8888/x',
      'http://[::1]/',
      'http://169.254.169.254/latest/meta-data/',
      'http://2130706433/',
      'http://0x7f.1/',
      'http://[::ffff:127.0.0.1]/',
    ]) {
      const error = await refusal(assertFetchableUrl(url, { allowPrivate: false, lookup }));
      assert.equal(error.kind, 'private-address', url);
    }
    assert.deepEqual(lookup.calls, []);
  });

  it('allows private addresses when allowPrivate is set', async () => {
    const target = await assertFetchableUrl('http://localhost:7866/x', {
      allowPrivate: true,
      lookup: fakeLookup({ localhost: ['127.0.0.1'] }),
    });
    assert.equal(target.address, '127.0.0.1');
  });

  it('refuses schemes other than http and https', async () => {
    for (const url of ['file:///etc/passwd', 'ftp://example.com/a.png', 'gopher://x/', 'data:image/png;base64,AAAA']) {
      const error = await refusal(assertFetchableUrl(url, { allowPrivate: true, lookup: fakeLookup({}) }));
      assert.equal(error.kind, 'scheme', url);
    }
  });

  it('reports an unparsable URL and an unresolvable host with distinct kinds', async () => {
    assert.equal((await refusal(assertFetchableUrl('http//nope', { allowPrivate: false }))).kind, 'invalid-url');
    const error = await refusal(
      assertFetchableUrl('http://missing.example/', { allowPrivate: false, lookup: fakeLookup({}) }),
    );
    assert.equal(error.kind, 'unresolvable');
    assert.match(error.reason, /missing\.example/);
  });
});
