import { BadRequest } from '@lrs/http';
import type { CompletionStatus } from '@lrs/training';

export const COMPLETION_STATUSES: readonly CompletionStatus[] = [
  'not_started',
  'in_progress',
  'completed',
  'overdue',
  'exempt',
];

/** Which status changes a subscriber wants; an absent list means "any". */
export interface SubscriptionFilter {
  policies?: string[];
  /** Org units, each including its sub-units (a city includes its districts). */
  orgUnits?: string[];
  /** New statuses to be told about. */
  statuses?: CompletionStatus[];
}

export interface WebhookSubscription {
  id: string;
  url: string;
  /** Needed to sign every delivery, so it is kept as given; never returned by the API. */
  secret: string;
  filter: SubscriptionFilter;
  enabled: boolean;
  /** Plain http allowed for this receiver (personal data in clear); https otherwise. */
  allowHttp?: boolean;
}

export type PublicSubscription = Omit<WebhookSubscription, 'secret'> & { secretSet: true };

export function publicSubscription(s: WebhookSubscription): PublicSubscription {
  const { secret: _secret, ...rest } = s;
  return { ...rest, secretSet: true };
}

const ID = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;

function problem(pointer: string, message: string, rule = 'webhook.config'): BadRequest {
  return new BadRequest({ rule, pointer: `/body${pointer}`, message });
}

function stringList(value: unknown, pointer: string, check?: (s: string) => boolean): string[] | undefined {
  if (value === undefined || value === null) return undefined;
  if (!Array.isArray(value) || value.length === 0)
    throw problem(pointer, `${pointer.slice(1)} must be a non-empty array of strings (or absent for any).`);
  value.forEach((v, i) => {
    if (typeof v !== 'string' || v === '' || (check && !check(v)))
      throw problem(`${pointer}/${i}`, `${pointer.slice(1)}[${i}] is not valid.`);
  });
  return [...new Set(value as string[])];
}

/**
 * Validates a subscription from the admin API or CLI. `existing` supplies the secret when an
 * update leaves it out (the API never shows it, so a client cannot echo it back).
 */
export function parseSubscription(
  body: unknown,
  id?: string,
  existing?: WebhookSubscription,
  newId: () => string = () => crypto.randomUUID(),
): WebhookSubscription {
  if (body === null || typeof body !== 'object' || Array.isArray(body))
    throw problem('', 'Send { url, secret, filter? }.');
  const b = body as Record<string, unknown>;
  const subscriptionId = id ?? (b.id === undefined ? newId() : b.id);
  if (typeof subscriptionId !== 'string' || !ID.test(subscriptionId))
    throw problem('/id', 'id must be 1-64 letters, digits, ".", "_" or "-".');
  if (typeof b.url !== 'string') throw problem('/url', 'url is required.');
  let url: URL;
  try {
    url = new URL(b.url);
  } catch {
    throw problem('/url', 'url is not an absolute URL.');
  }
  if (b.allowHttp !== undefined && typeof b.allowHttp !== 'boolean')
    throw problem('/allowHttp', 'allowHttp must be true or false.');
  // Status changes carry personal data: plain http only where the subscription allows it (the
  // receiver's address is checked like any other: LRS_OUTBOUND_ALLOW for internal ones).
  if (!(url.protocol === 'https:' || (url.protocol === 'http:' && b.allowHttp === true)))
    throw problem(
      '/url',
      'url must be https (set allowHttp: true to accept plain http).',
      'webhook.url.scheme',
    );
  if (url.username || url.password)
    throw problem('/url', 'url must not carry credentials; the secret signs each request.');
  const secret = b.secret ?? existing?.secret;
  if (typeof secret !== 'string' || secret.length < 16 || secret.length > 256)
    throw problem('/secret', 'secret must be a string of 16-256 characters.', 'webhook.secret');
  const f = b.filter ?? {};
  if (f === null || typeof f !== 'object' || Array.isArray(f))
    throw problem('/filter', 'filter must be an object { policies?, orgUnits?, statuses? }.');
  const fr = f as Record<string, unknown>;
  for (const key of Object.keys(fr))
    if (!['policies', 'orgUnits', 'statuses'].includes(key))
      throw problem(`/filter/${key}`, `unknown filter field ${key}; use policies, orgUnits or statuses.`);
  const filter: SubscriptionFilter = {};
  const policies = stringList(fr.policies, '/filter/policies');
  const orgUnits = stringList(fr.orgUnits, '/filter/orgUnits');
  const statuses = stringList(fr.statuses, '/filter/statuses', (s) =>
    (COMPLETION_STATUSES as readonly string[]).includes(s),
  );
  if (policies) filter.policies = policies;
  if (orgUnits) filter.orgUnits = orgUnits;
  if (statuses) filter.statuses = statuses as CompletionStatus[];
  if (b.enabled !== undefined && typeof b.enabled !== 'boolean')
    throw problem('/enabled', 'enabled must be true or false.');
  return {
    id: subscriptionId,
    url: url.toString(),
    secret,
    filter,
    enabled: b.enabled !== false,
    ...(b.allowHttp === true ? { allowHttp: true } : {}),
  };
}

/** A status change as the subscription's filter sees it. */
export function matches(
  filter: SubscriptionFilter,
  change: { policyId: string; status: CompletionStatus; orgUnitAncestry: readonly string[] },
): boolean {
  if (filter.policies && !filter.policies.includes(change.policyId)) return false;
  if (filter.statuses && !filter.statuses.includes(change.status)) return false;
  if (filter.orgUnits && !filter.orgUnits.some((u) => change.orgUnitAncestry.includes(u))) return false;
  return true;
}
