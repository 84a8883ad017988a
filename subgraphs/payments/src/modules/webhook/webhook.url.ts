import { type LookupAddress, lookup } from 'node:dns';
import { BlockList, isIP } from 'node:net';

/**
 * The SSRF guard of webhook endpoints. A partner chooses the URL we POST to, so in production it must never lead
 * into our own network: loopback, private, link-local (cloud metadata at 169.254.169.254), carrier-grade NAT,
 * multicast and reserved ranges are refused, at registration and again at delivery, where the check runs on the
 * addresses the name resolves to at connect time, so a DNS answer that changes after registration (rebinding)
 * cannot reach them either. Development and tests allow them, so a local receiver works.
 */
const blocked = new BlockList();
for (const [network, prefix] of [
  ['0.0.0.0', 8],
  ['10.0.0.0', 8],
  ['100.64.0.0', 10],
  ['127.0.0.0', 8],
  ['169.254.0.0', 16],
  ['172.16.0.0', 12],
  ['192.0.0.0', 24],
  ['192.0.2.0', 24],
  ['192.168.0.0', 16],
  ['198.18.0.0', 15],
  ['198.51.100.0', 24],
  ['203.0.113.0', 24],
  ['224.0.0.0', 4],
  ['240.0.0.0', 4],
] as const) {
  blocked.addSubnet(network, prefix, 'ipv4');
}
for (const [network, prefix] of [
  ['::', 128],
  ['::1', 128],
  ['64:ff9b::', 96],
  ['100::', 64],
  ['2001:db8::', 32],
  ['fc00::', 7],
  ['fe80::', 10],
  ['ff00::', 8],
] as const) {
  blocked.addSubnet(network, prefix, 'ipv6');
}

/** Whether an IP address is one a webhook may not reach in production. IPv4-mapped IPv6 is judged as its IPv4. */
export function isPrivateAddress(address: string): boolean {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  if (mapped) return blocked.check(mapped[1], 'ipv4');
  const family = isIP(address);
  if (family === 0) return true;
  return blocked.check(address, family === 4 ? 'ipv4' : 'ipv6');
}

export const MAX_URL_LENGTH = 2048;

/** Problems with an endpoint URL as `url: reason` lines; `allowPrivate` is off in production. */
export function webhookUrlProblems(value: unknown, allowPrivate: boolean): string[] {
  if (typeof value !== 'string' || !value.trim()) return ['url: is required'];
  if (value.length > MAX_URL_LENGTH) return [`url: at most ${MAX_URL_LENGTH} characters`];
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return ['url: must be an absolute URL'];
  }
  if (url.protocol !== 'https:' && !(allowPrivate && url.protocol === 'http:')) {
    return [allowPrivate ? 'url: must be an http or https URL' : 'url: must be an https URL'];
  }
  if (url.username || url.password) return ['url: must not carry credentials'];
  if (url.hash) return ['url: must not have a fragment'];
  const host = url.hostname.replace(/^\[|\]$/g, '');
  if (!allowPrivate) {
    if (isIP(host) && isPrivateAddress(host)) return ['url: must not point at a private or loopback address'];
    if (host === 'localhost' || host.endsWith('.localhost') || host.endsWith('.internal') || host.endsWith('.local')) {
      return ['url: must not point at a private or loopback address'];
    }
  }
  return [];
}

/** Resolves a host name; refuses it when any address it resolves to is private. */
export async function resolvesToPrivate(hostname: string): Promise<boolean> {
  const host = hostname.replace(/^\[|\]$/g, '');
  if (isIP(host)) return isPrivateAddress(host);
  const addresses = await new Promise<LookupAddress[]>((resolve, reject) =>
    lookup(host, { all: true }, (error, found) => (error ? reject(error) : resolve(found))),
  ).catch(() => [] as LookupAddress[]);
  return addresses.some((a) => isPrivateAddress(a.address));
}

export class AddressNotAllowedError extends Error {
  constructor(hostname: string) {
    super(`webhook host ${hostname} resolves to a private address`);
    this.name = 'AddressNotAllowedError';
  }
}

type LookupCallback = (error: NodeJS.ErrnoException | null, address: string | LookupAddress[], family?: number) => void;

/**
 * A `lookup` for the delivery connection that refuses private addresses: the check and the connection use the same
 * answer, so nothing can swap the address in between.
 */
export function guardedLookup(hostname: string, options: object, callback: LookupCallback): void {
  lookup(hostname, { ...options, all: true }, (error, addresses) => {
    if (error) return callback(error, []);
    const list = addresses;
    if (!list.length || list.some((a) => isPrivateAddress(a.address))) {
      return callback(new AddressNotAllowedError(hostname), []);
    }
    if ((options as { all?: boolean }).all) return callback(null, list);
    callback(null, list[0].address, list[0].family);
  });
}
