import type { JsonObject } from '@lrs/event-log';
import type { Statement } from '@lrs/xapi';
import { agentIfiKey } from '@lrs/xapi';
import type { KeyStore } from './key-store';
import { agentIdentifiers, decrypt, encrypt, openStatement, sealStatement } from './seal';

/**
 * Quarantine records of remote LRS pulls sealed under the people they name (decision 079).
 * services/connectors owns the event (`connectors.quarantine.statement`: a statement a remote LRS
 * sent that failed validation, kept as JSON text); this module only reads and rewrites the
 * `statement` text of its payload, so that one rule seals new records and older ones.
 *
 * - Every agent identifiable and the actor among them: the agents are sealed as in a stored
 *   statement (seal.ts: each under its own subject; the actor's free text under the actor's),
 *   the rest of the body stays readable for the administrator, `sealed: "agents"`.
 * - Otherwise, when some identifier can be read (the actor's first): the whole text is sealed
 *   under that subject, `sealed: "body"`; the other people it names then go with that person's
 *   key only.
 * - No identifier can be read at all: the text stays as received (decision 079 says why).
 */
export const QUARANTINED_STATEMENT = 'connectors.quarantine.statement';
/** Longest text a record keeps (the event stays small). */
export const QUARANTINE_TEXT_LIMIT = 64 * 1024;

export interface QuarantineText {
  statement: string;
  sealed?: 'agents' | 'body';
  sealedStatement?: { s: string; v: string };
  /** Set when read: the person the body was sealed under was erased. */
  erased?: true;
}

const cut = (text: string, limit: number) => (text.length > limit ? text.slice(0, limit) : text);

function parse(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined; // cut at the limit, or never JSON
  }
}

/**
 * The write path: a quarantine payload whose `statement` is the full text received, sealed (or,
 * with no identifier readable, only cut to the limit). New subjects are durable before this
 * resolves.
 */
export async function sealQuarantineText<T extends QuarantineText>(
  record: T,
  keys: KeyStore,
  limit = QUARANTINE_TEXT_LIMIT,
): Promise<T> {
  const sealed = sealQuarantineTextSync(record, keys, limit);
  if (sealed === null) return { ...record, statement: cut(record.statement, limit) };
  await keys.durable();
  return sealed;
}

/** The one rule; null when nothing can be sealed (already sealed, or no identifier readable). */
function sealQuarantineTextSync<T extends QuarantineText>(
  record: T,
  keys: KeyStore,
  limit: number,
): T | null {
  if (record.sealed !== undefined) return null;
  const raw = parse(record.statement);
  const { ifis, unidentified } = agentIdentifiers(raw);
  if (ifis.length === 0) return null;
  let actorIfi: string | undefined;
  try {
    actorIfi = agentIfiKey((raw as { actor?: never }).actor ?? ({} as never));
  } catch {
    actorIfi = undefined;
  }
  const subjects = keys.subjects(ifis);
  if (unidentified === 0 && actorIfi !== undefined) {
    const text = JSON.stringify(sealStatement(raw as Statement, subjects));
    if (text.length <= limit) return { ...record, statement: text, sealed: 'agents' };
  }
  const subject = subjects.get(actorIfi !== undefined && subjects.has(actorIfi) ? actorIfi : ifis[0]!)!;
  const body = cut(record.statement, limit);
  return {
    ...record,
    statement: '',
    sealed: 'body',
    sealedStatement: { s: subject.pseudonym, v: encrypt(subject.key, subject.pseudonym, body) },
  };
}

/** A record as the administrator reads it: agents opened, or erased agents and bodies. */
export function openQuarantineText<T extends QuarantineText>(record: T, keys: KeyStore): T {
  const keyOf = (p: string) => keys.key(p);
  if (record.sealed === 'agents') {
    const { statement } = openStatement(JSON.parse(record.statement) as Statement, keyOf);
    return { ...record, statement: JSON.stringify(statement) };
  }
  if (record.sealed === 'body' && record.sealedStatement) {
    const { sealedStatement, ...rest } = record;
    const key = keyOf(sealedStatement.s);
    if (key === undefined) return { ...rest, erased: true } as T;
    return { ...rest, statement: decrypt(key, sealedStatement.s, sealedStatement.v) as string } as T;
  }
  return record;
}

/**
 * The migration's sealer of older quarantine records (the PlaintextEventSealer contract of
 * issue 25): the same stream, the payload sealed by `sealQuarantineText`'s rule. Synchronous
 * like the contract; the runner makes the key store durable (`keys.durable()`) before it appends.
 */
export function quarantineSealer(
  event: { stream: string; type: string; data: JsonObject | Uint8Array },
  keys: KeyStore,
): { stream: string; data: JsonObject } | null {
  if (event.type !== QUARANTINED_STATEMENT || event.data instanceof Uint8Array) return null;
  const sealed = sealQuarantineTextSync(event.data as unknown as QuarantineText, keys, QUARANTINE_TEXT_LIMIT);
  return sealed ? { stream: event.stream, data: sealed as unknown as JsonObject } : null;
}
