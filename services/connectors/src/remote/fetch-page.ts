import { Readable } from 'node:stream';
import type { AttachmentPart } from '@lrs/attachments';
import { parseMultipartMixed } from '@lrs/attachments';
import { OutboundGuard, OutboundRefused } from '@lrs/http';
import type { RemoteSource } from './source-config';

/** Why a page could not be read: `auth` stops the source, `transient` backs off, `rejected` stops it too. */
export class PullError extends Error {
  override name = 'PullError';
  constructor(
    readonly kind: 'auth' | 'transient' | 'rejected',
    message: string,
    readonly status?: number,
  ) {
    super(message);
  }
}

export interface StatementsPage {
  statements: unknown[];
  more: string;
  /** X-Experience-API-Consistent-Through: the remote may still add statements stored before it. */
  consistentThrough?: string;
  attachments: AttachmentPart[];
  dispose(): Promise<void>;
}

export interface FetchOptions {
  timeoutMs: number;
  maxBytes: number;
  /** Refuses internal destinations (LRS_OUTBOUND_ALLOW); a default guard when absent. */
  outbound?: OutboundGuard;
}

const defaultGuard = new OutboundGuard();

/** The first page of statements stored after `since`, oldest first (xAPI Communication 2.1.3). */
export function firstPageUrl(source: RemoteSource, since: string | undefined): string {
  const url = new URL('statements', source.endpoint);
  if (since) url.searchParams.set('since', since);
  url.searchParams.set('ascending', 'true');
  url.searchParams.set('limit', String(source.pageSize));
  // Communication 1.5.2: a system pulling statements MUST NOT do so without requesting attachments.
  url.searchParams.set('attachments', 'true');
  if (source.verbs?.length === 1) url.searchParams.set('verb', source.verbs[0]!);
  return url.href;
}

/**
 * The absolute URL of a `more` link (Communication 2.1.3: relative to the server's root). A link
 * to any other origin than the configured endpoint's is refused: following it would send the
 * source's credentials to a host nobody configured.
 */
export function moreUrl(source: RemoteSource, more: string): string {
  let url: URL;
  try {
    url = new URL(more, source.endpoint);
  } catch {
    throw new PullError('rejected', "the remote's more link is not a URL; the source is stopped");
  }
  const origin = new URL(source.endpoint).origin;
  if (url.origin !== origin) {
    throw new PullError(
      'rejected',
      `the remote's more link points to another origin (${url.origin.slice(0, 100)}) than the configured endpoint (${origin}); nothing was sent there and the source is stopped`,
    );
  }
  return url.href;
}

export async function fetchStatementsPage(
  source: RemoteSource,
  url: string,
  options: FetchOptions,
): Promise<StatementsPage> {
  const headers: Record<string, string> = {
    'X-Experience-API-Version': source.version === '2.0.0' ? '2.0.0' : '1.0.3',
    Accept: 'application/json, multipart/mixed',
    Authorization:
      source.auth.kind === 'basic'
        ? `Basic ${Buffer.from(`${source.auth.username}:${source.auth.password}`).toString('base64')}`
        : `Bearer ${source.auth.token}`,
  };
  let res: Response;
  try {
    res = await (options.outbound ?? defaultGuard).fetch(url, {
      headers,
      signal: AbortSignal.timeout(options.timeoutMs),
      redirect: 'error',
      ...(source.allowHttp ? { allowHttp: true } : {}),
    });
  } catch (error) {
    const refused = refusal(error);
    // An internal destination stops the source; an unresolvable name may be a passing DNS fault.
    if (refused)
      throw new PullError(
        refused.rule === 'outbound.unresolvable' ? 'transient' : 'rejected',
        refused.message,
      );
    const timedOut = (error as Error).name === 'TimeoutError' || (error as Error).name === 'AbortError';
    const code = (error as { cause?: { code?: unknown } }).cause?.code;
    throw new PullError(
      'transient',
      timedOut
        ? `no answer within ${options.timeoutMs} ms`
        : `network error${typeof code === 'string' ? ` (${code.slice(0, 40)})` : ''}`,
    );
  }
  // Nothing the remote sends is echoed into errors (it may be an internal service's answer).
  try {
    if (res.status === 401 || res.status === 403) {
      throw new PullError('auth', `the remote refused the credentials (${res.status})`, res.status);
    }
    if (res.status >= 500 || res.status === 429 || res.status === 408) {
      throw new PullError('transient', `the remote answered ${res.status}`, res.status);
    }
    if (res.status !== 200) {
      throw new PullError('rejected', `the remote answered ${res.status}`, res.status);
    }
    const contentType = res.headers.get('content-type') ?? '';
    let jsonText: string;
    let attachments: AttachmentPart[] = [];
    let dispose = async () => {};
    if (contentType.toLowerCase().startsWith('multipart/mixed')) {
      const parsed = await parseMultipartMixed(
        Readable.fromWeb(res.body as import('node:stream/web').ReadableStream),
        contentType,
        { maxTotalBytes: options.maxBytes, maxPartBytes: options.maxBytes },
      );
      jsonText = parsed.statementsPart.body.toString('utf8');
      attachments = parsed.attachments;
      dispose = () => parsed.dispose();
    } else {
      jsonText = await res.text();
    }
    let body: unknown;
    try {
      body = JSON.parse(jsonText);
    } catch {
      await dispose();
      throw new PullError('transient', 'the remote sent malformed JSON');
    }
    const result = body as { statements?: unknown; more?: unknown } | null;
    if (!result || typeof result !== 'object' || !Array.isArray(result.statements)) {
      await dispose();
      throw new PullError('transient', 'the remote sent no StatementResult (no statements array)');
    }
    const consistentThrough = res.headers.get('x-experience-api-consistent-through') ?? undefined;
    return {
      statements: result.statements,
      more: typeof result.more === 'string' ? result.more : '',
      ...(consistentThrough ? { consistentThrough } : {}),
      attachments,
      dispose,
    };
  } catch (error) {
    if (!res.bodyUsed) await res.body?.cancel().catch(() => {});
    if (error instanceof PullError) throw error;
    throw new PullError('transient', "reading the remote's answer failed");
  }
}

/** The guard's refusal, thrown directly (checked before the request) or as fetch's cause (at connect). */
function refusal(error: unknown): OutboundRefused | null {
  if (error instanceof OutboundRefused) return error;
  const cause = (error as { cause?: unknown } | null)?.cause;
  return cause instanceof OutboundRefused ? cause : null;
}
