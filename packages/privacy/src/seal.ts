import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import type { StatementSubject } from '@lrs/events';
import type { Statement } from '@lrs/xapi';
import { agentIfiKey } from '@lrs/xapi';
import type { KeyStore, Subject } from './key-store';

/**
 * Sealing and opening the personal values of a statement (decision 065). An agent's name and
 * identifier (mbox, mbox_sha1sum, openid, account) become
 *   "sealed": { "s": "<pseudonym>", "v": "v1.<iv|tag|ciphertext, base64url>" }
 * (AES-256-GCM, random 96-bit IV, the pseudonym as additional data); its objectType and a
 * Group's member list (each member sealed on its own) stay. The actor's free text
 * (result.response, result.extensions) is sealed under the actor's key.
 */
export const ERASED_HOME_PAGE = 'urn:lrs:erased';

type Obj = Record<string, unknown>;
interface Sealed {
  s: string;
  v: string;
}

const PERSONAL_AGENT_FIELDS = ['name', 'mbox', 'mbox_sha1sum', 'openid', 'account'] as const;
const PERSONAL_RESULT_FIELDS = ['response', 'extensions'] as const;

const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

export function encrypt(key: Buffer, pseudonym: string, value: unknown): string {
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', key, iv);
  cipher.setAAD(Buffer.from(pseudonym));
  const body = Buffer.concat([cipher.update(JSON.stringify(value), 'utf8'), cipher.final()]);
  return `v1.${Buffer.concat([iv, cipher.getAuthTag(), body]).toString('base64url')}`;
}

export function decrypt(key: Buffer, pseudonym: string, sealed: string): unknown {
  if (!sealed.startsWith('v1.')) throw new Error(`unknown sealed value format: ${sealed.slice(0, 3)}`);
  const bytes = Buffer.from(sealed.slice(3), 'base64url');
  const decipher = createDecipheriv('aes-256-gcm', key, bytes.subarray(0, 12));
  decipher.setAAD(Buffer.from(pseudonym));
  decipher.setAuthTag(bytes.subarray(12, 28));
  return JSON.parse(Buffer.concat([decipher.update(bytes.subarray(28)), decipher.final()]).toString('utf8'));
}

/**
 * Calls `fn` on every agent or group of a statement, wherever xAPI allows one (Data 2.4.2 actor,
 * 2.4.4 object, 2.4.6 context instructor/team, 2.0 contextAgents/contextGroups, 2.4.9 authority;
 * a SubStatement's the same), members before their group, and rebuilds the objects on the way.
 */
function mapAgents(statement: Obj, fn: (agent: Obj) => Obj): Obj {
  const actor = (a: unknown): unknown => {
    if (!isObj(a)) return a;
    const withMembers = Array.isArray(a.member) ? { ...a, member: a.member.map((m) => actor(m)) } : a;
    return fn(withMembers);
  };
  const body = (b: Obj): Obj => {
    const out: Obj = { ...b };
    if ('actor' in b) out.actor = actor(b.actor);
    const object = b.object;
    if (isObj(object)) {
      if (object.objectType === 'Agent' || object.objectType === 'Group') out.object = actor(object);
      else if (object.objectType === 'SubStatement') out.object = body(object);
    }
    const context = b.context;
    if (isObj(context)) {
      const c: Obj = { ...context };
      if ('instructor' in c) c.instructor = actor(c.instructor);
      if ('team' in c) c.team = actor(c.team);
      if (Array.isArray(c.contextAgents))
        c.contextAgents = c.contextAgents.map((x) => (isObj(x) ? { ...x, agent: actor(x.agent) } : x));
      if (Array.isArray(c.contextGroups))
        c.contextGroups = c.contextGroups.map((x) => (isObj(x) ? { ...x, group: actor(x.group) } : x));
      out.context = c;
    }
    if ('authority' in b) out.authority = actor(b.authority);
    return out;
  };
  return body(statement);
}

/** Every identifier key of a statement's agents and groups (plaintext statements). */
export function identifiersIn(statement: Statement): string[] {
  const found: string[] = [];
  mapAgents(statement as unknown as Obj, (a) => {
    const ifi = agentIfiKey(a as never);
    if (ifi !== undefined) found.push(ifi);
    return a;
  });
  return found;
}

/** Seals a statement's personal values under the subjects' keys (`subjects` holds every IFI of it). */
export function sealStatement(statement: Statement, subjects: Map<string, Subject>): Statement {
  const root = statement as unknown as Obj;
  const sealed = mapAgents(root, (a) => {
    const ifi = agentIfiKey(a as never);
    if (ifi === undefined) return a;
    const subject = subjects.get(ifi);
    if (!subject) throw new Error('sealStatement: an identifier has no subject');
    const personal: Obj = {};
    const rest: Obj = {};
    for (const [k, v] of Object.entries(a)) {
      if ((PERSONAL_AGENT_FIELDS as readonly string[]).includes(k)) personal[k] = v;
      else rest[k] = v;
    }
    return {
      ...rest,
      sealed: { s: subject.pseudonym, v: encrypt(subject.key, subject.pseudonym, personal) },
    };
  });
  const actorIfi = isObj(root.actor) ? agentIfiKey(root.actor as never) : undefined;
  const actorSubject = actorIfi === undefined ? undefined : subjects.get(actorIfi);
  const result = root.result;
  if (actorSubject && isObj(result) && PERSONAL_RESULT_FIELDS.some((k) => k in result)) {
    const personal: Obj = {};
    const rest: Obj = {};
    for (const [k, v] of Object.entries(result)) {
      if ((PERSONAL_RESULT_FIELDS as readonly string[]).includes(k)) personal[k] = v;
      else rest[k] = v;
    }
    sealed.result = {
      ...rest,
      sealed: { s: actorSubject.pseudonym, v: encrypt(actorSubject.key, actorSubject.pseudonym, personal) },
    };
  }
  return sealed as unknown as Statement;
}

/**
 * Seals a batch with one key-store call: new subjects are created in one transaction and made
 * durable before this resolves, so no event sealed with a key can outlive the key by a crash.
 */
export async function sealStatements(statements: Statement[], store: KeyStore): Promise<Statement[]> {
  const subjects = store.subjects(statements.flatMap(identifiersIn));
  const sealed = statements.map((s) => sealStatement(s, subjects));
  await store.durable();
  return sealed;
}

/** The identifier key of the agent an erased subject reads as. */
export const erasedIfi = (pseudonym: string) => `account:${ERASED_HOME_PAGE}|${pseudonym}`;

/**
 * Opens a sealed statement with `keyOf` (undefined: the key is destroyed). An erased agent
 * reads as `{ objectType?, account: { homePage: "urn:lrs:erased", name: <pseudonym> } }` and an
 * erased actor's sealed result fields as absent. Returns the subjects met, by identifier key.
 */
export function openStatement(
  statement: Statement,
  keyOf: (pseudonym: string) => Buffer | undefined,
): { statement: Statement; subjects: StatementSubject[] } {
  const subjects: StatementSubject[] = [];
  const open = (value: Obj): Obj => {
    const sealed = value.sealed as Sealed | undefined;
    if (!isObj(sealed)) return value;
    const { sealed: _, ...rest } = value;
    const key = keyOf(sealed.s);
    if (key === undefined) return { ...rest, erased: sealed.s };
    return { ...rest, ...(decrypt(key, sealed.s, sealed.v) as Obj) };
  };
  const opened = mapAgents(statement as unknown as Obj, (a) => {
    const o = open(a);
    const pseudonym = (a.sealed as Sealed | undefined)?.s;
    if (typeof o.erased === 'string') {
      const { erased, ...rest } = o;
      const agent = { ...rest, account: { homePage: ERASED_HOME_PAGE, name: erased } };
      subjects.push({ ifi: erasedIfi(erased), pseudonym: erased });
      return agent;
    }
    if (pseudonym !== undefined) subjects.push({ ifi: agentIfiKey(o as never)!, pseudonym });
    return o;
  });
  if (isObj(opened.result) && isObj(opened.result.sealed)) {
    const o = open(opened.result);
    if (typeof o.erased === 'string') {
      const { erased: _, ...rest } = o;
      opened.result = rest;
    } else opened.result = o;
  }
  return { statement: opened as unknown as Statement, subjects };
}

/**
 * A plaintext statement (as a read model holds it) with every agent or group whose identifier
 * key is in `ifis` replaced by the erased agent of `pseudonym` (decision 065), and, when that
 * was the actor, its free text dropped.
 */
export function eraseAgentsIn(statement: Statement, ifis: ReadonlySet<string>, pseudonym: string): Statement {
  const root = statement as unknown as Obj;
  const out = mapAgents(root, (a) => {
    const ifi = agentIfiKey(a as never);
    if (ifi === undefined || !ifis.has(ifi)) return a;
    const kept: Obj = {};
    for (const [k, v] of Object.entries(a))
      if (!(PERSONAL_AGENT_FIELDS as readonly string[]).includes(k)) kept[k] = v;
    return { ...kept, account: { homePage: ERASED_HOME_PAGE, name: pseudonym } };
  });
  const actorIfi = isObj(root.actor) ? agentIfiKey(root.actor as never) : undefined;
  if (actorIfi !== undefined && ifis.has(actorIfi) && isObj(out.result)) {
    const { response: _r, extensions: _e, ...rest } = out.result;
    out.result = rest;
  }
  return out as unknown as Statement;
}

/**
 * The identifier keys of a statement's agents and groups that have one, and how many agents or
 * groups carry a name or identifier the sealer cannot key (a malformed identifier, a name
 * without one). For bodies that failed validation (quarantine, decision 079): it never throws.
 */
export function agentIdentifiers(statement: unknown): { ifis: string[]; unidentified: number } {
  const ifis: string[] = [];
  let unidentified = 0;
  if (!isObj(statement)) return { ifis, unidentified };
  mapAgents(statement, (a) => {
    let ifi: string | undefined;
    try {
      ifi = agentIfiKey(a as never);
    } catch {
      ifi = undefined;
    }
    if (ifi !== undefined) ifis.push(ifi);
    else if (PERSONAL_AGENT_FIELDS.some((k) => k in a)) unidentified++;
    return a;
  });
  return { ifis, unidentified };
}
