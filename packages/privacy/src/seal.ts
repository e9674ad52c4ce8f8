import { createCipheriv, createDecipheriv, randomFillSync } from 'node:crypto';
import type { StatementSubject } from '@lrs/events';
import type { Actor, Statement } from '@lrs/xapi';
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

const PERSONAL_AGENT_FIELD_SET: ReadonlySet<string> = new Set(PERSONAL_AGENT_FIELDS);
const PERSONAL_RESULT_FIELD_SET: ReadonlySet<string> = new Set(PERSONAL_RESULT_FIELDS);

const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * Random 96-bit IVs, taken 12 bytes at a time from a pool that one randomFillSync call refills
 * (one call per IV cost about as much as the AES-GCM seal itself; decision 081). The bytes are
 * the same CSPRNG output as randomBytes(12) would give, and each is used once.
 */
const IV_POOL = Buffer.alloc(12 * 1024);
let ivAt = IV_POOL.length;
function randomIv(): Buffer {
  if (ivAt === IV_POOL.length) {
    randomFillSync(IV_POOL);
    ivAt = 0;
  }
  // A copy: the pool is refilled later, the IV must stay what it was.
  const iv = Buffer.from(IV_POOL.subarray(ivAt, ivAt + 12));
  ivAt += 12;
  return iv;
}

export function encrypt(key: Buffer, pseudonym: string, value: unknown): string {
  return sealJson(key, pseudonym, JSON.stringify(value));
}

export function decrypt(key: Buffer, pseudonym: string, sealed: string): unknown {
  return JSON.parse(openJson(key, pseudonym, sealed));
}

/** AES-256-GCM, a random 96-bit IV, the pseudonym as additional data: `v1.<iv|tag|ciphertext>`. */
function sealJson(key: Buffer, pseudonym: string, json: string): string {
  const iv = randomIv();
  const cipher = createCipheriv('aes-256-gcm', key, iv);
  cipher.setAAD(Buffer.from(pseudonym));
  const body = Buffer.concat([cipher.update(json, 'utf8'), cipher.final()]);
  return `v1.${Buffer.concat([iv, cipher.getAuthTag(), body]).toString('base64url')}`;
}

function openJson(key: Buffer, pseudonym: string, sealed: string): string {
  if (!sealed.startsWith('v1.')) throw new Error(`unknown sealed value format: ${sealed.slice(0, 3)}`);
  const bytes = Buffer.from(sealed.slice(3), 'base64url');
  const decipher = createDecipheriv('aes-256-gcm', key, bytes.subarray(0, 12));
  decipher.setAAD(Buffer.from(pseudonym));
  decipher.setAuthTag(bytes.subarray(12, 28));
  return Buffer.concat([decipher.update(bytes.subarray(28)), decipher.final()]).toString('utf8');
}

/**
 * Sealed and opened values remembered per key (decision 081): a person's agent is the same
 * value in statement after statement, and an AES-GCM seal or open costs more than the rest of
 * the statement's sealing. Keyed by the key's Buffer (the key store's cached object), so an
 * entry is reachable only while the key store hands out that key: once it drops a destroyed
 * key (or clears its cache), the entries go with it. A value sealed again is the same sealed
 * string: the same key, IV, pseudonym and plaintext, never an IV with another plaintext.
 */
const sealedByKey = new WeakMap<Buffer, Map<string, string>>();
const openedByKey = new WeakMap<Buffer, Map<string, string>>();
/** Values remembered per person: a few cover one person's name and identifiers. */
const PER_KEY = 8;
/** Longer values (free text in results) are rarely repeated: they are not remembered. */
const REMEMBERED_CHARS = 600;

function remembered(cache: WeakMap<Buffer, Map<string, string>>, key: Buffer): Map<string, string> {
  let values = cache.get(key);
  if (!values || values.size >= PER_KEY) {
    values = new Map();
    cache.set(key, values);
  }
  return values;
}

/** encrypt(), the same sealed string for the same person's same value (decision 081). */
function sealValue(key: Buffer, pseudonym: string, value: unknown): string {
  const json = JSON.stringify(value);
  const values = remembered(sealedByKey, key);
  let sealed = values.get(json);
  if (sealed === undefined) {
    sealed = sealJson(key, pseudonym, json);
    if (json.length <= REMEMBERED_CHARS) values.set(json, sealed);
  }
  return sealed;
}

/** decrypt() through the values opened before with this key (a fresh object each time). */
function openValue(key: Buffer, pseudonym: string, sealed: string): unknown {
  const values = remembered(openedByKey, key);
  let json = values.get(sealed);
  if (json === undefined) {
    json = openJson(key, pseudonym, sealed);
    if (json.length <= REMEMBERED_CHARS) values.set(sealed, json);
  }
  return JSON.parse(json);
}

/**
 * Calls `fn` on every agent or group of a statement, wherever xAPI allows one (Data 2.4.2 actor,
 * 2.4.4 object, 2.4.6 context instructor/team, 2.0 contextAgents/contextGroups, 2.4.9 authority;
 * a SubStatement's the same), members before their group, and rebuilds the objects on the way.
 */
function mapAgents(statement: Obj, fn: (agent: Obj) => Obj): Obj {
  return mapBody(statement, fn);
}

// Module-level (not closures made per call): they run for every statement sealed or opened.
function mapActor(a: unknown, fn: (agent: Obj) => Obj): unknown {
  if (!isObj(a)) return a;
  const withMembers = Array.isArray(a.member) ? { ...a, member: a.member.map((m) => mapActor(m, fn)) } : a;
  return fn(withMembers);
}

function mapBody(b: Obj, fn: (agent: Obj) => Obj): Obj {
  const out: Obj = { ...b };
  if ('actor' in b) out.actor = mapActor(b.actor, fn);
  const object = b.object;
  if (isObj(object)) {
    if (object.objectType === 'Agent' || object.objectType === 'Group') out.object = mapActor(object, fn);
    else if (object.objectType === 'SubStatement') out.object = mapBody(object, fn);
  }
  const context = b.context;
  if (isObj(context)) {
    const c: Obj = { ...context };
    if ('instructor' in c) c.instructor = mapActor(c.instructor, fn);
    if ('team' in c) c.team = mapActor(c.team, fn);
    if (Array.isArray(c.contextAgents))
      c.contextAgents = c.contextAgents.map((x) => (isObj(x) ? { ...x, agent: mapActor(x.agent, fn) } : x));
    if (Array.isArray(c.contextGroups))
      c.contextGroups = c.contextGroups.map((x) => (isObj(x) ? { ...x, group: mapActor(x.group, fn) } : x));
    out.context = c;
  }
  if ('authority' in b) out.authority = mapActor(b.authority, fn);
  return out;
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
    for (const k in a) {
      if (PERSONAL_AGENT_FIELD_SET.has(k)) personal[k] = a[k];
      else rest[k] = a[k];
    }
    return {
      ...rest,
      sealed: { s: subject.pseudonym, v: sealValue(subject.key, subject.pseudonym, personal) },
    };
  });
  const actorIfi = isObj(root.actor) ? agentIfiKey(root.actor as never) : undefined;
  const actorSubject = actorIfi === undefined ? undefined : subjects.get(actorIfi);
  const result = root.result;
  if (actorSubject && isObj(result) && PERSONAL_RESULT_FIELDS.some((k) => k in result)) {
    const personal: Obj = {};
    const rest: Obj = {};
    for (const k in result) {
      if (PERSONAL_RESULT_FIELD_SET.has(k)) personal[k] = result[k];
      else rest[k] = result[k];
    }
    sealed.result = {
      ...rest,
      sealed: { s: actorSubject.pseudonym, v: sealValue(actorSubject.key, actorSubject.pseudonym, personal) },
    };
  }
  return sealed as unknown as Statement;
}

/** How a batch is sealed (decision 081). */
export interface SealOptions {
  /**
   * The LRS's own credential account when it is the statements' authority (xAPI Data 2.4.9: the
   * LRS sets the authority of a pushed statement to the credential that wrote it). It is no
   * person's data: the credential registry holds it in the clear in the log already, so an
   * authority with its identifier stays in the clear. A person as authority (a token's
   * subject, a remote LRS's authority) is sealed as before.
   */
  lrsAuthority?: Actor;
}

/**
 * Seals a batch with one key-store call: new subjects are created in one transaction and made
 * durable before this resolves, so no event sealed with a key can outlive the key by a crash.
 */
export async function sealStatements(
  statements: Statement[],
  store: KeyStore,
  options: SealOptions = {},
): Promise<Statement[]> {
  const lrsIfi = options.lrsAuthority ? agentIfiKey(options.lrsAuthority as never) : undefined;
  // The LRS's authority is held out of the walk (its place kept by a stand-in without an
  // identifier, so the key order stays) and put back as it is.
  const keptAuthority = (s: Statement): Statement =>
    lrsIfi !== undefined && isObj(s.authority) && agentIfiKey(s.authority as never) === lrsIfi
      ? ({ ...s, authority: KEPT } as unknown as Statement)
      : s;
  const walked = lrsIfi === undefined ? statements : statements.map(keptAuthority);
  const subjects = store.subjects(walked.flatMap(identifiersIn));
  const sealed = walked.map((s, i) => {
    const out = sealStatement(s, subjects);
    if (s !== statements[i]) (out as unknown as Obj).authority = statements[i]!.authority;
    return out;
  });
  await store.durable();
  return sealed;
}

/** Stands in for an authority that stays in the clear while a statement is sealed: no identifier. */
const KEPT: Obj = Object.freeze({});

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
    return { ...rest, ...(openValue(key, sealed.s, sealed.v) as Obj) };
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
