import { CliFailure, UsageError } from './cli-errors';
import type { CliIo, OptionSpecs, OptionValues } from './command-line';

/** The options of every CLI that is a client of a running LRS. */
export const LRS_CLIENT_OPTIONS: OptionSpecs = {
  url: {
    type: 'string',
    placeholder: 'URL',
    description: 'the LRS (or LRS_URL; default http://127.0.0.1:8080)',
  },
  key: { type: 'string', placeholder: 'KEY', description: 'credential key (or LRS_KEY)' },
  secret: { type: 'string', placeholder: 'SECRET', description: 'credential secret (or LRS_SECRET)' },
};

export const LRS_TOKEN_OPTION: OptionSpecs = {
  token: { type: 'string', placeholder: 'JWT', description: 'bearer token instead of a key (or LRS_TOKEN)' },
};

export interface LrsRequest {
  json?: unknown;
  body?: string;
  headers?: Record<string, string>;
}

/** A client of a running LRS whose failures name the URL and the reason, on one line. */
export class LrsClient {
  private constructor(
    readonly url: string,
    private readonly authorization: string,
  ) {}

  /** From --url/--key/--secret (and --token when accepted) or LRS_URL/LRS_KEY/LRS_SECRET/LRS_TOKEN. */
  static from(values: OptionValues, env: NodeJS.ProcessEnv, options: { token?: boolean } = {}): LrsClient {
    const url = String(values['url'] ?? env['LRS_URL'] ?? 'http://127.0.0.1:8080').replace(/\/+$/, '');
    if (!/^https?:\/\/[^\s/]+/.test(url)) throw new UsageError(`--url must be an http(s) URL, not '${url}'`);
    const token = options.token ? (values['token'] ?? env['LRS_TOKEN']) : undefined;
    const key = values['key'] ?? env['LRS_KEY'];
    const secret = values['secret'] ?? env['LRS_SECRET'];
    if (typeof token === 'string' && token !== '') return new LrsClient(url, `Bearer ${token}`);
    if (typeof key !== 'string' || key === '' || typeof secret !== 'string' || secret === '')
      throw new UsageError(
        `no credential: give --key and --secret (or set LRS_KEY and LRS_SECRET)${options.token ? ', or --token (LRS_TOKEN)' : ''}`,
      );
    return new LrsClient(url, `Basic ${Buffer.from(`${key}:${secret}`).toString('base64')}`);
  }

  /** A request to `path` under the LRS; an unreachable server is a CliFailure naming URL and reason. */
  async request(method: string, path: string, request: LrsRequest = {}): Promise<Response> {
    const target = `${this.url}${path}`;
    const headers: Record<string, string> = { Authorization: this.authorization, Accept: 'application/json' };
    let body: string | undefined = request.body;
    if (request.json !== undefined) {
      body = JSON.stringify(request.json);
      headers['Content-Type'] = 'application/json';
    }
    Object.assign(headers, request.headers);
    try {
      return await fetch(target, { method, headers, ...(body !== undefined ? { body } : {}) });
    } catch (error) {
      throw new CliFailure(
        `cannot reach ${target}: ${networkReason(error)} (is the LRS running? --url or LRS_URL)`,
      );
    }
  }
}

/** fetch's "fetch failed" hides the cause: ECONNREFUSED, ENOTFOUND, a TLS error. */
export function networkReason(error: unknown): string {
  const cause = (error as { cause?: { code?: string; message?: string } }).cause;
  const code = cause?.code;
  const described: Record<string, string> = {
    ECONNREFUSED: 'connection refused',
    ENOTFOUND: 'unknown host',
    ECONNRESET: 'connection reset',
    ETIMEDOUT: 'timed out',
    EHOSTUNREACH: 'host unreachable',
  };
  if (code && described[code]) return `${described[code]} (${code})`;
  return cause?.message ?? (error as Error).message;
}

/**
 * Prints a response body (JSON pretty-printed) on stdout; a 4xx/5xx also gets one line on stderr
 * naming the request, the status, the rule, the reason and the JSON pointer. Exit 0 or 1.
 */
export async function printResponse(res: Response, io: CliIo, what = `${res.url}`): Promise<number> {
  const text = await res.text();
  let body: unknown = text;
  try {
    body = JSON.parse(text) as unknown;
  } catch {}
  io.out(`${typeof body === 'string' ? body : JSON.stringify(body, null, 2)}\n`);
  if (res.ok) return 0;
  io.err(`${what}: ${describeProblem(res.status, body)}\n`);
  return 1;
}

/** "404 training.official.unknown: no official kim (at /body/official)". */
export function describeProblem(status: number, body: unknown): string {
  const error = (body as { error?: { rule?: string; message?: string; pointer?: string } } | null)?.error;
  if (!error) return `answered ${status}`;
  return `answered ${status}${error.rule ? ` ${error.rule}` : ''}: ${error.message ?? ''}${error.pointer ? ` (at ${error.pointer})` : ''}`;
}
