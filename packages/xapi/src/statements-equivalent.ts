import { deepEqual } from './deep-equal';
import { comparableDuration } from './duration';
import { normalizeMbox } from './mbox';
import { timestampMillis } from './timestamp';

type Json = Record<string, unknown>;

function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function stableKey(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(stableKey).join(',')}]`;
  if (isObject(value)) {
    return `{${Object.keys(value)
      .filter((k) => value[k] !== undefined)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${stableKey(value[k])}`)
      .join(',')}}`;
  }
  return JSON.stringify(value);
}

const lower = (v: unknown): unknown => (typeof v === 'string' ? v.toLowerCase() : v);

function comparableAgent(agent: Json): Json {
  // xAPI Data 2.3.1 (case sensitivity): the e-mail domain is case-insensitive; so are hex digests.
  const out: Json = { ...agent, objectType: agent['objectType'] ?? 'Agent' };
  if (typeof out['mbox'] === 'string') out['mbox'] = normalizeMbox(out['mbox']);
  if (out['mbox_sha1sum'] !== undefined) out['mbox_sha1sum'] = lower(out['mbox_sha1sum']);
  return out;
}

function comparableActor(actor: unknown): unknown {
  if (!isObject(actor)) return actor;
  if (actor['objectType'] !== 'Group') return comparableAgent(actor);
  const out = comparableAgent(actor);
  // xAPI Data 2.3.1: the members of a Group are an unordered list.
  if (Array.isArray(actor['member'])) {
    out['member'] = actor['member']
      .map((m) => comparableActor(m))
      .sort((x, y) => (stableKey(x) < stableKey(y) ? -1 : stableKey(x) > stableKey(y) ? 1 : 0));
  }
  return out;
}

// xAPI Data 2.3.1: Activity Definitions and a Verb's display are not part of the Statement itself.
function comparableActivity(activity: unknown): unknown {
  if (!isObject(activity)) return activity;
  return { objectType: 'Activity', id: activity['id'] };
}

function comparableContext(context: unknown): unknown {
  if (!isObject(context)) return context;
  const out: Json = { ...context };
  out['registration'] = lower(context['registration']);
  out['language'] = lower(context['language']); // RFC 5646 §2.1.1: tags are case-insensitive
  if (context['instructor'] !== undefined) out['instructor'] = comparableActor(context['instructor']);
  if (context['team'] !== undefined) out['team'] = comparableActor(context['team']);
  if (isObject(context['statement']))
    out['statement'] = { ...context['statement'], id: lower(context['statement']['id']) };
  if (isObject(context['contextActivities'])) {
    const ca: Json = {};
    for (const [kind, value] of Object.entries(context['contextActivities'])) {
      // xAPI Data 2.4.6.2: a single Activity and an array holding it are returned the same way.
      const list = Array.isArray(value) ? value : [value];
      ca[kind] = list.map(comparableActivity);
    }
    out['contextActivities'] = ca;
  }
  for (const [key, inner] of [
    ['contextAgents', 'agent'],
    ['contextGroups', 'group'],
  ] as const) {
    const entries = context[key];
    if (Array.isArray(entries)) {
      out[key] = entries.map((e) => (isObject(e) ? { ...e, [inner]: comparableActor(e[inner]) } : e));
    }
  }
  return out;
}

function comparableResult(result: unknown): unknown {
  if (!isObject(result)) return result;
  // xAPI Data 4.6: digits beyond 0.01 s are not part of the comparison.
  if (typeof result['duration'] !== 'string') return result;
  return { ...result, duration: comparableDuration(result['duration']) };
}

interface Comparable {
  body: Json;
  timestamp: unknown;
}

function comparable(statement: Json, isSubStatement: boolean): Comparable {
  // xAPI Data 2.3.1: id, authority, stored, timestamp and version may be assigned by the LRS, and
  // attachments are not part of the Statement; differences there are ignored.
  const {
    id: _id,
    stored: _s,
    authority: _a,
    version: _v,
    attachments: _att,
    timestamp,
    ...rest
  } = statement;
  const body: Json = { ...rest };
  body['actor'] = comparableActor(statement['actor']);
  if (isObject(statement['verb'])) body['verb'] = { id: statement['verb']['id'] };
  const object = statement['object'];
  if (isObject(object)) {
    const type = object['objectType'] ?? 'Activity';
    if (type === 'Activity') body['object'] = comparableActivity(object);
    else if (type === 'Agent' || type === 'Group') body['object'] = comparableActor(object);
    else if (type === 'StatementRef') body['object'] = { ...object, id: lower(object['id']) };
    else if (type === 'SubStatement' && !isSubStatement) {
      const sub = comparable(object, true);
      // A SubStatement's timestamp is the sender's, never the LRS's: compared as an instant.
      const instant =
        typeof sub.timestamp === 'string' ? (timestampMillis(sub.timestamp) ?? sub.timestamp) : sub.timestamp;
      body['object'] = { ...sub.body, timestamp: instant };
    }
  }
  if (statement['context'] !== undefined) body['context'] = comparableContext(statement['context']);
  if (statement['result'] !== undefined) body['result'] = comparableResult(statement['result']);
  return { body, timestamp };
}

/**
 * Whether two Statements with the same id are the same Statement under the Statement Comparison
 * Requirements (xAPI Data 2.3.1): differences an LRS could have caused (ids' case, authority, stored,
 * version, timestamp serialization, Group member order, contextActivities as single object or array,
 * Activity Definitions, Verb display, e-mail domain case, duration digits beyond 0.01 s) are ignored; any
 * other difference is not. Decides 204 (same) versus 409 (different) on a repeated id.
 */
export function statementsEquivalent(a: unknown, b: unknown): boolean {
  if (!isObject(a) || !isObject(b)) return deepEqual(a, b);
  const ca = comparable(a, false);
  const cb = comparable(b, false);
  if (!deepEqual(ca.body, cb.body)) return false;
  // A timestamp the LRS filled in (absent on one side) is an LRS assignment; otherwise compare instants.
  if (ca.timestamp !== undefined && cb.timestamp !== undefined) {
    const ta = timestampMillis(String(ca.timestamp));
    const tb = timestampMillis(String(cb.timestamp));
    if (ta === null || tb === null ? ca.timestamp !== cb.timestamp : ta !== tb) return false;
  }
  return true;
}
