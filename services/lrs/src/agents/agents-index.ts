import type { EventLog, RecordedEvent } from '@lrs/event-log';
import {
  PRIVACY_EVENT_PREFIX,
  STATEMENT_EVENT,
  SUBJECT_ERASED,
  statementEventData,
  storedStatementOf,
  subjectErasedData,
} from '@lrs/events';
import {
  defineProjection,
  InsertOnce,
  inlineProjectors,
  RunningReadModel,
  type StartProjector,
} from '@lrs/projections';
import type { Actor, Agent, Statement } from '@lrs/xapi';
import { agentIfiKey } from '@lrs/xapi';
import type Database from 'better-sqlite3';

/** Every Agent seen in statements: its identifier and the names it was sent with. */
export const agentsIndexProjection = defineProjection({
  name: 'agents-index',
  // 2: subjects by pseudonym, erasures (decision 065).
  version: 2,
  migrations: [
    'CREATE TABLE agents (ifi TEXT PRIMARY KEY, identifier TEXT NOT NULL) WITHOUT ROWID',
    'CREATE TABLE agent_names (ifi TEXT NOT NULL, name TEXT NOT NULL, PRIMARY KEY (ifi, name)) WITHOUT ROWID',
    'CREATE TABLE subject_ifi (pseudonym TEXT NOT NULL, ifi TEXT NOT NULL, PRIMARY KEY (pseudonym, ifi)) WITHOUT ROWID',
  ],
  tables: [
    { name: 'agents', key: ['ifi'] },
    { name: 'agent_names', key: ['ifi', 'name'] },
    { name: 'subject_ifi', key: ['pseudonym', 'ifi'] },
  ],
  filter: { typePrefixes: [STATEMENT_EVENT, PRIVACY_EVENT_PREFIX] },
  init: (db) => {
    const agent = db.prepare('INSERT OR IGNORE INTO agents (ifi, identifier) VALUES (?, ?)');
    const name = db.prepare('INSERT OR IGNORE INTO agent_names (ifi, name) VALUES (?, ?)');
    // Written per statement, new only with a new person: skipped once seen committed (decision 083).
    const subject = new InsertOnce(db, 'subject_ifi', ['pseudonym', 'ifi']);
    const ifisOf = db.prepare('SELECT ifi FROM subject_ifi WHERE pseudonym = ?').pluck();
    const forget = [
      db.prepare('DELETE FROM agents WHERE ifi = ?'),
      db.prepare('DELETE FROM agent_names WHERE ifi = ?'),
    ];
    // By primary key (subject_ifi has no index by ifi; one pseudonym holds an identifier at a time).
    const forgetSubject = db.prepare('DELETE FROM subject_ifi WHERE pseudonym = ?');
    return (events: RecordedEvent[]) => {
      subject.batch();
      for (const event of events) {
        if (event.type === SUBJECT_ERASED) {
          // Decision 065: the erased person's identifiers and names are forgotten.
          for (const p of subjectErasedData(event).pseudonyms) {
            for (const ifi of ifisOf.all(p) as string[]) for (const f of forget) f.run(ifi);
            forgetSubject.run(p);
          }
          subject.forget();
          continue;
        }
        if (event.type !== STATEMENT_EVENT) continue;
        for (const s of statementEventData(event).subjects) subject.run(s.pseudonym, s.ifi);
        for (const a of agentsIn(storedStatementOf(event))) {
          const ifi = agentIfiKey(a);
          if (ifi === undefined) continue;
          agent.run(ifi, JSON.stringify(identifierOf(a)));
          if (typeof a.name === 'string' && a.name !== '') name.run(ifi, a.name);
        }
      }
    };
  },
});

/** The Agents (not Groups) a statement names, Group members included. */
export function agentsIn(statement: Statement): Agent[] {
  const found: Agent[] = [];
  const actor = (value: unknown) => {
    const a = value as Actor | undefined;
    if (!a || typeof a !== 'object') return;
    if (a.objectType === 'Group') for (const m of a.member ?? []) found.push(m);
    else if (a.objectType === undefined || a.objectType === 'Agent') found.push(a as Agent);
  };
  const part = (p: Partial<Statement> | undefined) => {
    if (!p) return;
    actor(p.actor);
    const object = p.object as { objectType?: string } | undefined;
    if (object?.objectType === 'Agent' || object?.objectType === 'Group') actor(object);
    actor(p.context?.instructor);
    actor(p.context?.team);
    for (const ca of p.context?.contextAgents ?? []) actor(ca.agent);
    for (const cg of p.context?.contextGroups ?? []) actor(cg.group);
  };
  part(statement);
  const object = statement.object as { objectType?: string } | undefined;
  if (object?.objectType === 'SubStatement') part(object as Partial<Statement>);
  actor(statement.authority);
  return found;
}

export type Identifier = Pick<Agent, 'mbox' | 'mbox_sha1sum' | 'openid' | 'account'>;

function identifierOf(a: Agent): Identifier {
  if (a.mbox !== undefined) return { mbox: a.mbox };
  if (a.mbox_sha1sum !== undefined) return { mbox_sha1sum: a.mbox_sha1sum };
  if (a.openid !== undefined) return { openid: a.openid };
  return { account: a.account! };
}

/** The identifier an IFI key stands for (agentIfiKey's inverse; the mbox is already normalised). */
function identifierOfKey(ifi: string): Identifier | undefined {
  const colon = ifi.indexOf(':');
  const kind = ifi.slice(0, colon);
  const value = ifi.slice(colon + 1);
  if (kind === 'mbox') return { mbox: value };
  if (kind === 'mbox_sha1sum') return { mbox_sha1sum: value };
  if (kind === 'openid') return { openid: value };
  if (kind === 'account') {
    // An IRI cannot hold a raw '|', so the first one ends the homePage.
    const bar = value.indexOf('|');
    if (bar > 0) return { account: { homePage: value.slice(0, bar), name: value.slice(bar + 1) } };
  }
  return undefined;
}

/**
 * Identifiers known to belong to one person besides what statements say: the officials registry
 * links an official's accounts and addresses (system.ts wires it). Returns the IFI keys
 * (agentIfiKey) of the same person, the given one included.
 */
export interface PersonLinks {
  samePerson(ifi: string): string[];
}

/** Without a registry, a person is known by one identifier. */
export const NO_LINKS: PersonLinks = { samePerson: (ifi) => [ifi] };

/** The Person object (xAPI Communication 2.4): every identifier and name known for one person. */
export interface Person {
  objectType: 'Person';
  name?: string[];
  mbox?: string[];
  mbox_sha1sum?: string[];
  openid?: string[];
  account?: { homePage: string; name: string }[];
}

/** Reads of the agents index: identifiers and names per identifier key. */
export class AgentsIndexReader {
  private readonly statements: { identifier: Database.Statement; names: Database.Statement };
  constructor(
    db: Database.Database,
    private readonly links: () => PersonLinks,
  ) {
    this.statements = {
      identifier: db.prepare('SELECT identifier FROM agents WHERE ifi = ?').pluck(),
      names: db.prepare('SELECT name FROM agent_names WHERE ifi = ? ORDER BY name').pluck(),
    };
  }

  /**
   * The Person for `agent`. An Agent the LRS has never seen still gets a Person holding what
   * the request said (Communication 2.4 requirements).
   */
  person(agent: Agent): Person {
    const own = agentIfiKey(agent)!;
    const ifis = [
      own,
      ...this.links()
        .samePerson(own)
        .filter((k) => k !== own),
    ];
    const names = new Set<string>();
    if (typeof agent.name === 'string' && agent.name !== '') names.add(agent.name);
    const identifiers: Identifier[] = [identifierOf(agent)];
    for (const ifi of ifis) {
      for (const n of this.statements.names.all(ifi) as string[]) names.add(n);
      if (ifi === own) continue;
      const json = this.statements.identifier.get(ifi) as string | undefined;
      // A linked identifier no statement has used yet is still part of the person.
      const identifier = json !== undefined ? (JSON.parse(json) as Identifier) : identifierOfKey(ifi);
      if (identifier) identifiers.push(identifier);
    }
    const person: Person = { objectType: 'Person' };
    if (names.size > 0) person.name = [...names];
    const list = <T>(values: (T | undefined)[]): T[] | undefined => {
      const defined = values.filter((v): v is T => v !== undefined);
      return defined.length > 0 ? defined : undefined;
    };
    const mbox = list(identifiers.map((i) => i.mbox));
    const sha1 = list(identifiers.map((i) => i.mbox_sha1sum));
    const openid = list(identifiers.map((i) => i.openid));
    const account = list(
      identifiers.map((i) => i.account && { homePage: i.account.homePage, name: i.account.name }),
    );
    if (mbox) person.mbox = mbox;
    if (sha1) person.mbox_sha1sum = sha1;
    if (openid) person.openid = openid;
    if (account) person.account = account;
    return person;
  }
}

/** The running agents index: the Agents resource reads it. */
export class AgentsIndex extends RunningReadModel<AgentsIndexReader> {
  private links: PersonLinks = NO_LINKS;

  static async start(
    log: EventLog,
    dataDir: string,
    startProjector: StartProjector = inlineProjectors(log),
  ): Promise<AgentsIndex> {
    const running = await startProjector(agentsIndexProjection, { dataDir });
    const index: AgentsIndex = new AgentsIndex(
      running,
      log,
      (db) => new AgentsIndexReader(db, () => index.links),
    );
    return index;
  }

  /** Lets another source (the officials registry) say which identifiers are one person. */
  linkPersons(links: PersonLinks): void {
    this.links = links;
  }

  person(agent: Agent): Person {
    return this.reader().person(agent);
  }
}
