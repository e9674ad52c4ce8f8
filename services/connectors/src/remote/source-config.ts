import { BadRequest } from '@lrs/http';
import type { XapiVersion } from '@lrs/xapi';
import { isAbsoluteIri } from '@lrs/xapi';

/** How the LRS authenticates to a remote LRS. */
export type RemoteAuth =
  | { kind: 'basic'; username: string; password: string }
  | { kind: 'bearer'; token: string };

/** A remote LRS this one pulls statements from. */
export interface RemoteSource {
  id: string;
  name: string;
  /** The remote's xAPI endpoint, ending in `/` (statements are read from `<endpoint>statements`). */
  endpoint: string;
  auth: RemoteAuth;
  version: XapiVersion;
  /** Only statements with one of these verbs are imported (all when absent). */
  verbs?: string[];
  pollIntervalMs: number;
  /** Keep each statement's original authority (Data 2.4.9: a trusted source). Default true. */
  preserveAuthority: boolean;
  /** Statements per page to ask for (`limit`); the remote may send fewer. */
  pageSize: number;
  /** Where a new source starts: statements stored after this time (all when absent). */
  since?: string;
  /** Plain http allowed for this source (credentials travel in clear); https otherwise. */
  allowHttp?: boolean;
}

const ID = /^[a-z0-9][a-z0-9-]{0,62}$/;

/** Checks a source configuration from the admin API or the CLI, naming the field at fault. */
export function parseSourceConfig(input: unknown, id?: string): RemoteSource {
  const bad = (field: string, message: string) =>
    new BadRequest({ rule: 'source.invalid', pointer: `/body/${field}`, message });
  if (input === null || typeof input !== 'object' || Array.isArray(input)) {
    throw new BadRequest({
      rule: 'source.invalid',
      pointer: '/body',
      message: 'The source must be a JSON object.',
    });
  }
  const o = input as Record<string, unknown>;
  const sourceId = id ?? o.id;
  if (typeof sourceId !== 'string' || !ID.test(sourceId)) {
    throw bad('id', 'id must be 1-63 lower-case letters, digits or dashes.');
  }
  const name = o.name ?? sourceId;
  if (typeof name !== 'string' || name.length === 0 || name.length > 200)
    throw bad('name', 'name must be a string.');
  const endpoint = o.endpoint;
  let url: URL;
  try {
    if (typeof endpoint !== 'string') throw new Error();
    url = new URL(endpoint);
    if (url.protocol !== 'https:' && url.protocol !== 'http:') throw new Error();
  } catch {
    throw bad('endpoint', 'endpoint must be the http(s) URL of the remote xAPI endpoint.');
  }
  if (url.username || url.password)
    throw bad('endpoint', 'put credentials in auth, not in the endpoint URL.');
  const allowHttp = o.allowHttp ?? false;
  if (typeof allowHttp !== 'boolean') throw bad('allowHttp', 'allowHttp must be a boolean.');
  // The source's credentials go with every request: plain http only when the source says so.
  if (url.protocol === 'http:' && !allowHttp)
    throw bad(
      'endpoint',
      'endpoint must be https (set allowHttp: true to accept plain http for this source).',
    );
  const a = o.auth as Record<string, unknown> | undefined;
  let auth: RemoteAuth;
  if (a && typeof a.username === 'string' && typeof a.password === 'string' && a.username !== '') {
    auth = { kind: 'basic', username: a.username, password: a.password };
  } else if (a && typeof a.token === 'string' && a.token !== '') {
    auth = { kind: 'bearer', token: a.token };
  } else {
    throw bad('auth', 'auth must be { username, password } (Basic) or { token } (Bearer).');
  }
  const version = o.version ?? '1.0.3';
  if (version !== '1.0.3' && version !== '2.0.0') throw bad('version', 'version must be 1.0.3 or 2.0.0.');
  let verbs: string[] | undefined;
  if (o.verbs !== undefined) {
    if (!Array.isArray(o.verbs) || !o.verbs.every((v) => typeof v === 'string' && isAbsoluteIri(v))) {
      throw bad('verbs', 'verbs must be an array of verb IRIs.');
    }
    verbs = o.verbs as string[];
  }
  const seconds = o.pollIntervalSeconds ?? 300;
  if (typeof seconds !== 'number' || !(seconds >= 1 && seconds <= 86_400)) {
    throw bad('pollIntervalSeconds', 'pollIntervalSeconds must be a number from 1 to 86400.');
  }
  const preserveAuthority = o.preserveAuthority ?? true;
  if (typeof preserveAuthority !== 'boolean')
    throw bad('preserveAuthority', 'preserveAuthority must be a boolean.');
  const pageSize = o.pageSize ?? 500;
  if (typeof pageSize !== 'number' || !Number.isInteger(pageSize) || pageSize < 1 || pageSize > 10_000) {
    throw bad('pageSize', 'pageSize must be an integer from 1 to 10000.');
  }
  let since: string | undefined;
  if (o.since !== undefined) {
    if (typeof o.since !== 'string' || Number.isNaN(Date.parse(o.since)))
      throw bad('since', 'since must be a timestamp.');
    since = new Date(Date.parse(o.since)).toISOString();
  }
  const base = url.href.endsWith('/') ? url.href : `${url.href}/`;
  return {
    id: sourceId,
    name,
    endpoint: base,
    auth,
    version,
    ...(verbs ? { verbs } : {}),
    pollIntervalMs: seconds * 1000,
    preserveAuthority,
    pageSize,
    ...(since ? { since } : {}),
    ...(allowHttp ? { allowHttp } : {}),
  };
}

/** The source as the admin API shows it: credentials never leave the server. */
export function publicSource(source: RemoteSource) {
  const { auth, ...rest } = source;
  return {
    ...rest,
    auth: auth.kind === 'basic' ? { kind: 'basic', username: auth.username } : { kind: 'bearer' },
  };
}
