import dns from 'node:dns/promises';
import http from 'node:http';
import https from 'node:https';
import net from 'node:net';
import type { LookupFunction } from 'node:net';
import type { Readable } from 'node:stream';
import ipaddr from 'ipaddr.js';
import { HttpError } from '../../http/errors';
import { receiveToFile } from './receive';

/**
 * Fetching a picture from a URL a client gave, without letting the client point this server at
 * itself or its network (SSRF): every host is resolved here and every address checked before
 * connecting, the connection goes to that checked address (so a second DNS answer cannot swap
 * it), and each redirect is checked the same way.
 */

export interface SafeFetchOptions {
  maxBytes: number;
  timeoutMs?: number;
  maxRedirects?: number;
  /**
   * For tests only (every test server is on loopback): an address and port allowed although not
   * public. Production never sets it.
   */
  allow?: (address: string, port: number) => boolean;
}

export class FetchRefused extends Error {}

/** Only ordinary public unicast: loopback, private, link-local, CGNAT, multicast, NAT64, 6to4 … are not. */
export function isPublicAddress(address: string): boolean {
  if (!ipaddr.isValid(address)) return false;
  let parsed = ipaddr.parse(address);
  if (parsed.kind() === 'ipv6' && (parsed as ipaddr.IPv6).isIPv4MappedAddress()) parsed = (parsed as ipaddr.IPv6).toIPv4Address();
  return parsed.range() === 'unicast';
}

const defaultPort = (url: URL) => Number(url.port || (url.protocol === 'https:' ? 443 : 80));

/** The one address this hop may connect to, or why it may not. */
async function checkedAddress(url: URL, allow: SafeFetchOptions['allow']): Promise<{ address: string; family: number }> {
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new FetchRefused('Only http and https URLs are fetched.');
  const host = url.hostname.replace(/^\[|\]$/g, '');
  const addresses = net.isIP(host)
    ? [{ address: host, family: net.isIP(host) }]
    : await dns.lookup(host, { all: true, verbatim: true }).catch(() => {
        throw new FetchRefused(`The host ${host} could not be resolved.`);
      });
  const port = defaultPort(url);
  const allowed = (address: string) => isPublicAddress(address) || allow?.(address, port) === true;
  // One non-public answer refuses them all: the client may not choose which one is used.
  if (addresses.length === 0 || !addresses.every(({ address }) => allowed(address))) {
    throw new FetchRefused('The URL points to an address that is not public.');
  }
  return addresses[0]!;
}

function get(url: URL, target: { address: string; family: number }, signal: AbortSignal): Promise<http.IncomingMessage> {
  const lookup: LookupFunction = (_hostname, options, callback) => {
    if (options.all) callback(null, [target]);
    else callback(null, target.address, target.family);
  };
  const client = url.protocol === 'https:' ? https : http;
  return new Promise((resolve, reject) => {
    const request = client.get(url, { lookup, signal, headers: { accept: 'image/*', 'user-agent': 'picmetric-measurer' } }, resolve);
    request.on('error', reject);
  });
}

/**
 * Fetches `url` into the file `target`: `http`/`https` only, public addresses only (checked on
 * every hop), at most 3 redirects, 10 s and `maxBytes` in all. Any refusal or failure is a
 * FetchRefused whose message can be shown to the client.
 */
export async function fetchToFile(url: string, target: string, options: SafeFetchOptions): Promise<void> {
  const { maxBytes, timeoutMs = 10_000, maxRedirects = 3, allow } = options;
  const signal = AbortSignal.timeout(timeoutMs);
  let current: URL;
  try {
    current = new URL(url);
  } catch {
    throw new FetchRefused('The URL is not valid.');
  }
  try {
    for (let redirects = 0; ; redirects += 1) {
      const response = await get(current, await checkedAddress(current, allow), signal);
      const status = response.statusCode ?? 0;
      if (status >= 300 && status < 400 && response.headers.location) {
        response.resume();
        if (redirects >= maxRedirects) throw new FetchRefused(`More than ${maxRedirects} redirects.`);
        current = new URL(response.headers.location, current);
        continue;
      }
      if (status < 200 || status >= 300) {
        response.resume();
        throw new FetchRefused(`The URL answered ${status}.`);
      }
      await receiveToFile(response as Readable, target, maxBytes);
      return;
    }
  } catch (error) {
    if (error instanceof FetchRefused) throw error;
    if (error instanceof HttpError) throw new FetchRefused(error.errors?.file?.[0] ?? error.message);
    if (signal.aborted) throw new FetchRefused(`The URL did not answer within ${timeoutMs / 1000} s.`);
    throw new FetchRefused(`The URL could not be fetched (${(error as NodeJS.ErrnoException).code ?? 'network error'}).`);
  }
}
