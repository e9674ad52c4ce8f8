import { lookup as dnsLookup } from 'node:dns/promises';
import { BlockList, isIP } from 'node:net';
import { Agent } from 'undici';

/** Addresses a name resolves to (dns.lookup with `all`). */
export type Resolver = (hostname: string) => Promise<{ address: string; family: number }[]>;

/** Why an outbound request was not made; nothing was sent when this is thrown. */
export class OutboundRefused extends Error {
  override name = 'OutboundRefused';
  constructor(
    readonly rule: 'outbound.scheme' | 'outbound.address' | 'outbound.unresolvable',
    message: string,
  ) {
    super(message);
  }
}

/**
 * Loopback, unspecified, private, shared (CGNAT), link-local (169.254.0.0/16: cloud metadata),
 * benchmarking, multicast and reserved ranges, IPv4 and IPv6 (RFC 6890). IPv4-mapped IPv6
 * addresses match the IPv4 rules (node's BlockList compares them as IPv4).
 */
const FORBIDDEN = new BlockList();
for (const [net, bits] of [
  ['0.0.0.0', 8],
  ['10.0.0.0', 8],
  ['100.64.0.0', 10],
  ['127.0.0.0', 8],
  ['169.254.0.0', 16],
  ['172.16.0.0', 12],
  ['192.0.0.0', 24],
  ['192.168.0.0', 16],
  ['198.18.0.0', 15],
  ['224.0.0.0', 4],
  ['240.0.0.0', 4],
] as const)
  FORBIDDEN.addSubnet(net, bits, 'ipv4');
for (const [net, bits] of [
  ['::', 96], // unspecified, loopback and the deprecated IPv4-compatible form
  ['64:ff9b::', 96], // NAT64: reaches IPv4 addresses through a translator
  ['fc00::', 7],
  ['fe80::', 10],
  ['ff00::', 8],
] as const)
  FORBIDDEN.addSubnet(net, bits, 'ipv6');

/** A host as the URL parser normalised it, without IPv6 brackets. */
const bare = (hostname: string) => hostname.replace(/^\[(.*)\]$/, '$1').toLowerCase();

const family = (address: string) => (isIP(address) === 6 ? 'ipv6' : 'ipv4');

export interface OutboundGuardOptions {
  /**
   * Destinations an administrator allows although they are internal: host names (exactly), IP
   * addresses and CIDR ranges (`10.0.0.0/8`, `fd00::/8`). From LRS_OUTBOUND_ALLOW.
   */
  allow?: readonly string[];
  /** Name resolution; dns.lookup by default (tests inject names). */
  resolve?: Resolver;
}

/**
 * The only way the product reaches a URL a user configured (remote LRS sources, webhooks): a
 * destination on a loopback, private, link-local or otherwise internal address is refused after
 * name resolution, at configuration time and again on every connection (a custom DNS lookup in
 * the connection path, so a name that later resolves to 127.0.0.1 fails too), unless the
 * allow-list names it. Plain http only where the caller allows it.
 */
export class OutboundGuard {
  private readonly allowedHosts = new Set<string>();
  private readonly allowedAddresses = new BlockList();
  private readonly resolve: Resolver;
  /** Connections made through this guard; every one passes `lookup`. */
  readonly dispatcher: Agent;

  constructor(options: OutboundGuardOptions = {}) {
    for (const entry of options.allow ?? []) {
      const item = entry.trim();
      if (item === '') continue;
      const [net, bits] = item.split('/');
      const ip = bare(net!);
      if (isIP(ip)) {
        const max = isIP(ip) === 6 ? 128 : 32;
        const prefix = bits === undefined ? max : Number(bits);
        if (!Number.isInteger(prefix) || prefix < 0 || prefix > max)
          throw new Error(`outbound allow-list entry '${item}' has a bad prefix length`);
        this.allowedAddresses.addSubnet(ip, prefix, family(ip));
      } else {
        if (bits !== undefined) throw new Error(`outbound allow-list entry '${item}' is not a CIDR range`);
        this.allowedHosts.add(ip);
      }
    }
    this.resolve =
      options.resolve ??
      (async (hostname) => dnsLookup(hostname, { all: true, verbatim: true }) as Promise<never>);
    this.dispatcher = new Agent({
      connect: {
        // net/tls.connect call this for every connection to a name (IP literals are checked
        // before the request, see check()).
        lookup: (hostname: string, opts: { all?: boolean }, callback: LookupCallback) => {
          this.addressesOf(hostname).then(
            (addresses) => {
              if (opts?.all) callback(null, addresses);
              else callback(null, addresses[0]!.address, addresses[0]!.family);
            },
            (error: Error) => callback(error),
          );
        },
      } as never,
    });
  }

  /** Parses LRS_OUTBOUND_ALLOW (comma- or space-separated). */
  static fromList(list: string | undefined, resolve?: Resolver): OutboundGuard {
    return new OutboundGuard({
      allow: (list ?? '').split(/[\s,]+/).filter(Boolean),
      ...(resolve ? { resolve } : {}),
    });
  }

  /** True when the address is internal and not on the allow-list. */
  isForbiddenAddress(address: string, hostname?: string): boolean {
    const ip = bare(address);
    if (!isIP(ip)) return true;
    if (hostname !== undefined && this.allowedHosts.has(bare(hostname))) return false;
    if (this.allowedAddresses.check(ip, family(ip))) return false;
    return FORBIDDEN.check(ip, family(ip));
  }

  /**
   * Refuses a URL before anything is sent: a scheme other than https (http only with
   * `allowHttp`), an internal IP literal, or a name resolving to one. With `resolveNames: false`
   * names are left to the connection-time check (a request).
   */
  async check(url: URL, options: { allowHttp?: boolean; resolveNames?: boolean } = {}): Promise<void> {
    if (!(url.protocol === 'https:' || (url.protocol === 'http:' && options.allowHttp))) {
      throw new OutboundRefused(
        'outbound.scheme',
        options.allowHttp
          ? 'only http(s) URLs can be reached'
          : 'the URL must be https (plain http is not allowed for this destination)',
      );
    }
    const host = bare(url.hostname);
    if (isIP(host)) {
      if (this.isForbiddenAddress(host)) throw refusedAddress(url.hostname);
      return;
    }
    if (options.resolveNames === false) return;
    await this.addressesOf(host);
  }

  /** The addresses of a name, all checked: one internal address refuses the name. */
  private async addressesOf(hostname: string): Promise<{ address: string; family: number }[]> {
    const host = bare(hostname);
    if (isIP(host)) {
      if (this.isForbiddenAddress(host)) throw refusedAddress(host);
      return [{ address: host, family: isIP(host) }];
    }
    let addresses: { address: string; family: number }[];
    try {
      addresses = await this.resolve(host);
    } catch {
      throw new OutboundRefused('outbound.unresolvable', `the host ${host} cannot be resolved`);
    }
    if (addresses.length === 0)
      throw new OutboundRefused('outbound.unresolvable', `the host ${host} cannot be resolved`);
    const bad = addresses.find((a) => this.isForbiddenAddress(a.address, host));
    if (bad) throw refusedAddress(host);
    return addresses;
  }

  /**
   * fetch through the guard: the URL is checked first (scheme, IP literal), and each connection
   * resolves its name through the checked lookup. Redirects are the caller's choice (`redirect`).
   */
  async fetch(url: string, init: RequestInit & { allowHttp?: boolean } = {}): Promise<Response> {
    const { allowHttp, ...rest } = init;
    await this.check(new URL(url), { ...(allowHttp ? { allowHttp } : {}), resolveNames: false });
    return fetch(url, { ...rest, dispatcher: this.dispatcher } as RequestInit);
  }

  async close(): Promise<void> {
    await this.dispatcher.close();
  }
}

type LookupCallback = (
  error: Error | null,
  address?: string | { address: string; family: number }[],
  family?: number,
) => void;

function refusedAddress(host: string): OutboundRefused {
  return new OutboundRefused(
    'outbound.address',
    `${host} is (or resolves to) a loopback, private, link-local or otherwise internal address; an administrator can allow it with LRS_OUTBOUND_ALLOW`,
  );
}
