// Builders of the training domain's own types (TRAINING-DOMAIN.md): officials, catalog entries,
// policies, exemptions and learning facts as the ledger keeps them. Each builds the real type of
// @lrs/training, so a spec of the training rules needs no server, no log and no database.
import {
  ATTENDANCE_VERBS,
  type CatalogEntry,
  type CreditBasis,
  type Exemption,
  type LearningFact,
  type Modality,
  type Official,
  OrgTree,
  type Policy,
  policyProblems,
  type ReferenceStore,
  type Requirement,
  type Rounding,
  type StatisticsSource,
  VERB,
} from '@lrs/training';
import { type LanguageMap, parseIsoDuration } from '@lrs/xapi';

export class OfficialBuilder {
  private official: Official;

  constructor(officialId: string) {
    this.official = {
      officialId,
      name: `Official ${officialId}`,
      orgUnit: 'office-1',
      orgUnitFrom: '2020-01-01',
      staffGroup: 'social-welfare',
      jurisdiction: 'city',
      employedFrom: '2020-01-01',
      employedTo: null,
      identifiers: [{ account: { homePage: 'https://lms.example.org', name: officialId } }],
    };
  }
  named(name: string): this {
    this.official.name = name;
    return this;
  }
  inOrgUnit(orgUnit: string, from: string | null = this.official.orgUnitFrom): this {
    this.official.orgUnit = orgUnit;
    this.official.orgUnitFrom = from;
    return this;
  }
  /** In a staff group, since `from` (decision 057; null: since before the registry knew). */
  inStaffGroup(staffGroup: string, from: string | null = null): this {
    this.official.staffGroup = staffGroup;
    this.official.staffGroupFrom = from;
    return this;
  }
  inJurisdiction(jurisdiction: string): this {
    this.official.jurisdiction = jurisdiction;
    return this;
  }
  employedFrom(date: string | null): this {
    this.official.employedFrom = date;
    return this;
  }
  build(): Official {
    return structuredClone(this.official);
  }
}

/** A social-welfare official of office-1 in the city, employed since 2020, unless told otherwise. */
export function anOfficial(officialId = 'kim'): OfficialBuilder {
  return new OfficialBuilder(officialId);
}

export class CatalogEntryBuilder {
  private entry: CatalogEntry;

  constructor(activityId: string) {
    this.entry = {
      activityId,
      title: { 'en-US': activityId.split('/').pop() ?? activityId },
      category: 'basic',
      nominalHours: 1,
      modality: 'face-to-face',
      provider: 'Training Centre',
    };
  }
  titled(title: LanguageMap): this {
    this.entry.title = title;
    return this;
  }
  inCategory(category: string): this {
    this.entry.category = category;
    return this;
  }
  /** The course's nominal hours in the catalog; null: the catalog gives none. */
  worth(nominalHours: number | null): this {
    this.entry.nominalHours = nominalHours;
    return this;
  }
  deliveredAs(modality: Modality | null): this {
    this.entry.modality = modality;
    return this;
  }
  by(provider: string | null): this {
    this.entry.provider = provider;
    return this;
  }
  /** A session, meeting or log entry: each statement is its own episode and earns on its own. */
  earnsEachStatement(): this {
    this.entry.repeats = 'each-statement';
    return this;
  }
  build(): CatalogEntry {
    return structuredClone(this.entry);
  }
}

/** A face-to-face `basic` course worth 1 nominal hour, unless told otherwise. */
export function aCourse(
  activityId = 'https://training.example.org/course/welfare-ethics',
): CatalogEntryBuilder {
  return new CatalogEntryBuilder(activityId);
}

/** The catalog lookup evaluateCompletion asks: activity id → entry. */
export function aCatalog(
  ...entries: (CatalogEntry | CatalogEntryBuilder)[]
): (activityId: string) => CatalogEntry | undefined {
  const byId = new Map<string, CatalogEntry>();
  for (const e of entries) {
    const entry = e instanceof CatalogEntryBuilder ? e.build() : e;
    byId.set(entry.activityId, entry);
  }
  return (activityId) => byId.get(activityId);
}

// Requirement nodes, in the policy document's own shape.
export const allOf = (id: string, ...children: Requirement[]): Requirement => ({ id, all_of: children });
export const anyOf = (id: string, ...children: Requirement[]): Requirement => ({ id, any_of: children });
export const minHours = (id: string, hours: number, category?: string): Requirement => ({
  id,
  min_hours: category === undefined ? { hours } : { hours, category },
});
export const minCount = (id: string, count: number, category: string): Requirement => ({
  id,
  min_count: { count, category },
});
export const passed = (id: string, what: { activity: string } | { category: string }): Requirement => ({
  id,
  passed: what,
});

export class PolicyBuilder {
  private policy: Policy;

  constructor(policyId: string) {
    this.policy = {
      policyId,
      version: 1,
      effectiveFrom: '2020-01-01',
      title: { 'en-US': policyId },
      timeZone: 'Asia/Seoul',
      population: {},
      period: { type: 'calendar_year' },
      credit: { basis: 'nominal', verbs: [VERB.attended, VERB.completed, VERB.passed] },
      requirement: minHours('total-8h', 8),
    };
  }
  titled(title: LanguageMap): this {
    this.policy.title = title;
    return this;
  }
  version(version: number, effectiveFrom: string): this {
    this.policy.version = version;
    this.policy.effectiveFrom = effectiveFrom;
    return this;
  }
  calendarYear(timeZone: string): this {
    this.policy.period = { type: 'calendar_year' };
    this.policy.timeZone = timeZone;
    return this;
  }
  fiscalYearFrom(startMonth: number, timeZone: string, startDay = 1): this {
    this.policy.period = { type: 'fiscal_year', startMonth, startDay };
    this.policy.timeZone = timeZone;
    return this;
  }
  /** A cohort window with fixed dates, both inclusive. */
  cohortWindow(id: string, start: string, end: string, timeZone: string): this {
    this.policy.period = { type: 'fixed_window', id, start, end };
    this.policy.timeZone = timeZone;
    return this;
  }
  /** A personal window: `months` from the official's own date (appointment, or posting to the org unit). */
  personalWindow(anchor: 'employedFrom' | 'orgUnitFrom', months: number, timeZone: string): this {
    this.policy.period = { type: 'anchored', anchor, months };
    this.policy.timeZone = timeZone;
    return this;
  }
  forStaffGroups(...staffGroups: string[]): this {
    this.policy.population.staffGroups = staffGroups;
    return this;
  }
  forOrgUnits(...orgUnits: string[]): this {
    this.policy.population.orgUnits = orgUnits;
    return this;
  }
  forJurisdictions(...jurisdictions: string[]): this {
    this.policy.population.jurisdictions = jurisdictions;
    return this;
  }
  /** A cohort: exactly these officials. */
  forOfficials(...officials: string[]): this {
    this.policy.population.officials = officials;
    return this;
  }
  creditBasis(basis: CreditBasis): this {
    this.policy.credit.basis = basis;
    return this;
  }
  rounding(unitHours: number, mode: Rounding['mode']): this {
    this.policy.credit.rounding = { unitHours, mode };
    return this;
  }
  roundingDown(unitHours: number): this {
    return this.rounding(unitHours, 'down');
  }
  /** The verbs that earn credit under this policy (replaces the default attended, completed, passed). */
  earningWith(...verbs: string[]): this {
    this.policy.credit.verbs = verbs;
    return this;
  }
  requiring(requirement: Requirement): this {
    this.policy.requirement = requirement;
    return this;
  }
  /** The catalog category `from` counts as `to` under this policy. */
  countingCategory(from: string, to: string): this {
    this.policy.classification ??= {};
    const c = this.policy.classification;
    c.categories = { ...c.categories, [from]: to };
    return this;
  }
  /** This activity counts toward `category` under this policy, whatever the catalog says. */
  classifying(activityId: string, category: string): this {
    this.policy.classification ??= {};
    const c = this.policy.classification;
    c.activities = { ...c.activities, [activityId]: category };
    return this;
  }
  /** Exemptions for these reasons reduce the requirement; prorate false leaves it whole. */
  exemptingFor(reasons: string[], options: { prorate?: boolean } = {}): this {
    this.policy.exemptions = {
      reasons,
      ...(options.prorate === undefined ? {} : { prorate: options.prorate }),
    };
    return this;
  }
  due(daysAfterPeriodEnd: number, graceDays = 0): this {
    this.policy.due = { daysAfterPeriodEnd, graceDays };
    return this;
  }
  /** The policy document; throws when policyProblems() would refuse it. */
  build(): Policy {
    const problems = policyProblems(this.policy);
    if (problems.length > 0)
      throw new Error(
        `aPolicy() built an invalid policy: ${problems.map((p) => `${p.pointer} ${p.message}`).join('; ')}`,
      );
    return structuredClone(this.policy);
  }
  /** The document as it stands, valid or not, for specs of policyProblems itself. */
  buildUnchecked(): Policy {
    return structuredClone(this.policy);
  }
}

/**
 * A calendar-year policy in Asia/Seoul asking 8 hours of anything, credited at nominal hours for
 * attended, completed and passed, for everyone, unless told otherwise.
 */
export function aPolicy(policyId = 'annual-welfare-education'): PolicyBuilder {
  return new PolicyBuilder(policyId);
}

export class ExemptionBuilder {
  private exemption: Exemption;

  constructor(reason: string) {
    this.exemption = {
      exemptionId: `exemption-${++exemptionCounter}`,
      officialId: 'kim',
      from: '2020-01-01',
      to: '2020-01-01',
      reason,
    };
  }
  of(officialId: string): this {
    this.exemption.officialId = officialId;
    return this;
  }
  /** Both dates inclusive. */
  from(from: string, to: string): this {
    this.exemption.from = from;
    this.exemption.to = to;
    return this;
  }
  build(): Exemption {
    return structuredClone(this.exemption);
  }
}
let exemptionCounter = 0;

export function anExemption(reason = 'leave'): ExemptionBuilder {
  return new ExemptionBuilder(reason);
}

let factSeq = 0;

export class LearningFactBuilder {
  private fact: LearningFact;

  constructor() {
    const seq = ++factSeq;
    this.fact = {
      statementId: `00000000-0000-4000-8000-${String(seq).padStart(12, '0')}`,
      officialId: 'kim',
      activityId: 'https://training.example.org/course/welfare-ethics',
      registration: '',
      verb: VERB.completed,
      timestamp: '2026-03-02T09:00:00+09:00',
      timestampMs: Date.parse('2026-03-02T09:00:00+09:00'),
      duration: null,
      durationSeconds: null,
      durationIndefinite: false,
      success: null,
      completion: null,
      title: null,
      activityType: null,
      source: 'credential:lms',
      authority: null,
      recorded: '2026-03-02T00:00:00.000Z',
      seq,
      voided: null,
    };
  }
  withId(statementId: string): this {
    this.fact.statementId = statementId;
    return this;
  }
  by(officialId: string | null): this {
    this.fact.officialId = officialId;
    return this;
  }
  did(verb: string, activityId: string): this {
    this.fact.verb = verb;
    this.fact.activityId = activityId;
    return this;
  }
  attended(activityId: string): this {
    return this.did(VERB.attended, activityId);
  }
  completed(activityId: string): this {
    return this.did(VERB.completed, activityId);
  }
  /** `passed`, with result.success true as an LMS sends it. */
  passed(activityId: string): this {
    return this.did(VERB.passed, activityId).succeeded(true);
  }
  /** `failed`, with result.success false. */
  failed(activityId: string): this {
    return this.did(VERB.failed, activityId).succeeded(false);
  }
  registered(activityId: string): this {
    return this.did(VERB.registered, activityId);
  }
  satisfied(activityId: string): this {
    return this.did(VERB.satisfied, activityId);
  }
  /** `waived` with its cmi5 reason extension; null: sent without one. */
  waived(activityId: string, reason: string | null = 'Equivalency'): this {
    this.did(VERB.waived, activityId);
    this.fact.reason = reason;
    return this;
  }
  /** An internship episode: pending until `confirmed()`. */
  performedOffline(activityId: string): this {
    return this.did(VERB.performedOffline, activityId);
  }
  /** A supervisor confirmed it (result.completion true). */
  confirmed(): this {
    this.fact.completion = true;
    return this;
  }
  succeeded(success = true): this {
    this.fact.success = success;
    return this;
  }
  /** Learning time: the statement's timestamp. */
  at(timestamp: string): this {
    this.fact.timestamp = timestamp;
    this.fact.timestampMs = Date.parse(timestamp);
    if (Number.isNaN(this.fact.timestampMs)) throw new Error(`not a timestamp: ${timestamp}`);
    return this;
  }
  /** result.duration, parsed as the ledger parses it (years, months or weeks: kept, no seconds). */
  lasting(duration: string): this {
    const parsed = parseIsoDuration(duration);
    if (!parsed.valid) throw new Error(`not an ISO 8601 duration: ${duration}`);
    this.fact.duration = duration;
    this.fact.durationSeconds = parsed.seconds;
    this.fact.durationIndefinite = parsed.seconds === null;
    return this;
  }
  inRegistration(registration: string): this {
    this.fact.registration = registration;
    return this;
  }
  ofType(activityType: string): this {
    this.fact.activityType = activityType;
    return this;
  }
  titled(title: LanguageMap): this {
    this.fact.title = title;
    return this;
  }
  recordedAt(recorded: string): this {
    this.fact.recorded = recorded;
    return this;
  }
  /** Withdrawn by a voiding statement. */
  voided(by = 'voiding-statement', at = '2026-12-15T00:00:00.000Z', who: string | null = 'admin'): this {
    this.fact.voided = { by, at, who };
    return this;
  }
  /** Position in the log; facts are numbered in the order they are built unless told. */
  atSeq(seq: number): this {
    this.fact.seq = seq;
    return this;
  }
  build(): LearningFact {
    return structuredClone(this.fact);
  }
}

/** One statement about an activity as the ledger keeps it: kim completed welfare-ethics, 2 March 2026 in Seoul. */
export function aFact(): LearningFactBuilder {
  return new LearningFactBuilder();
}

/**
 * The ledger as programme statistics read it (StatisticsSource), in memory: officials, org units,
 * catalog entries and facts, counted as LedgerReader.attendancesByOfficial and attendanceEntries
 * count them (live facts of known officials with an attendance verb and learning time in range;
 * per registration its attended statements, or 1). An official given more than once is the
 * registry recording them again: the last record is current, and each record's dated org unit
 * and staff group join their histories, as the ledger keeps them.
 */
export function aLedgerOf(given: {
  officials: (Official | OfficialBuilder)[];
  courses: (CatalogEntry | CatalogEntryBuilder)[];
  facts: (LearningFact | LearningFactBuilder)[];
  orgUnits?: { orgUnitId: string; name: string; parent: string | null }[];
}): StatisticsSource {
  const records = given.officials.map((o) => (o instanceof OfficialBuilder ? o.build() : o));
  const current = new Map(records.map((o) => [o.officialId, o]));
  const officials = [...current.values()];
  const histories = new Map<string, { orgUnits: Map<string, string>; staffGroups: Map<string, string> }>();
  for (const o of records) {
    const h = histories.get(o.officialId) ?? { orgUnits: new Map(), staffGroups: new Map() };
    h.orgUnits.set(o.orgUnitFrom ?? '', o.orgUnit);
    h.staffGroups.set(o.staffGroupFrom ?? '', o.staffGroup);
    histories.set(o.officialId, h);
  }
  const spells = (m: Map<string, string>) =>
    [...m.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  const courses = new Map(
    given.courses
      .map((c) => (c instanceof CatalogEntryBuilder ? c.build() : c))
      .map((c) => [c.activityId, c] as const),
  );
  const facts = given.facts.map((f) => (f instanceof LearningFactBuilder ? f.build() : f));
  const units =
    given.orgUnits ??
    [...new Set(officials.map((o) => o.orgUnit)).values()].map((u) => ({
      orgUnitId: u,
      name: u,
      parent: null,
    }));
  // Activities numbered in the order facts first name them, as the ledger numbers them.
  const activityNumbers = new Map<string, number>();
  for (const f of facts)
    if (!activityNumbers.has(f.activityId)) activityNumbers.set(f.activityId, activityNumbers.size + 1);
  /** Per official (by id) and entry (activity × registration): first learning time and attendances. */
  const entriesIn = (fromMs: number, toMs: number) => {
    const out = new Map<string, Map<string, { activityId: string; firstMs: number; attended: number }>>();
    for (const f of facts)
      if (
        f.officialId !== null &&
        current.has(f.officialId) &&
        f.voided === null &&
        ATTENDANCE_VERBS.includes(f.verb) &&
        f.timestampMs >= fromMs &&
        f.timestampMs < toMs
      ) {
        const entries = out.get(f.officialId) ?? new Map();
        out.set(f.officialId, entries);
        const key = `${f.activityId}\u0000${f.registration}`;
        const e = entries.get(key) ?? { activityId: f.activityId, firstMs: f.timestampMs, attended: 0 };
        entries.set(key, e);
        e.firstMs = Math.min(e.firstMs, f.timestampMs);
        if (f.verb === VERB.attended) e.attended++;
      }
    return out;
  };
  return {
    orgTree: () =>
      new OrgTree(units.map((u) => ({ org_unit_id: u.orgUnitId, name: u.name, parent: u.parent }))),
    catalogRevisions: () => [...courses.keys()].sort().map((activityId) => ({ activityId, revision: 0 })),
    catalogEntry: (id) => courses.get(id),
    officialSummaries: () =>
      officials.map(({ officialId, orgUnit, staffGroup, jurisdiction }) => ({
        officialId,
        orgUnit,
        staffGroup,
        jurisdiction,
      })),
    allHistories: () =>
      new Map(
        [...histories].map(([id, h]) => [
          id,
          {
            orgUnits: spells(h.orgUnits).map(([from, orgUnit]) => ({ from: from || null, orgUnit })),
            staffGroups: spells(h.staffGroups).map(([from, staffGroup]) => ({
              from: from || null,
              staffGroup,
            })),
          },
        ]),
      ),
    activityNumbers: () => new Map(activityNumbers),
    *attendancesByOfficial(fromMs, toMs) {
      const all = entriesIn(fromMs, toMs);
      for (const officialId of [...all.keys()].sort()) {
        const byActivity = new Map<string, number>();
        for (const e of all.get(officialId)!.values())
          byActivity.set(e.activityId, (byActivity.get(e.activityId) ?? 0) + Math.max(1, e.attended));
        if (byActivity.size > 0)
          yield {
            officialId,
            attendances: [...byActivity].flatMap(([activityId, n]) => [activityNumbers.get(activityId)!, n]),
          };
      }
    },
    attendanceEntries: (officialId, fromMs, toMs) =>
      [...(entriesIn(fromMs, toMs).get(officialId)?.values() ?? [])].map((e) => ({
        activityNo: activityNumbers.get(e.activityId)!,
        firstMs: e.firstMs,
        attendances: Math.max(1, e.attended),
      })),
  };
}

/**
 * The smallest piece of the city's programme a spec of snapshots or erasure needs, recorded
 * through `reference` (sealed when the store has the key store): one official with an LMS account
 * of the same name, one 3-hour basic course, and the Seoul calendar-year policy requiring 3 basic
 * hours. Returns the published policy.
 */
export async function recordSeoulBasics(
  reference: ReferenceStore,
  given: { officialId: string; lms: string; course: string },
): Promise<Policy> {
  const official = anOfficial(given.officialId).build();
  await reference.importRecords(
    'officials',
    [{ ...official, identifiers: [{ account: { homePage: given.lms, name: given.officialId } }] }],
    'test',
  );
  await reference.importRecords(
    'catalog',
    [aCourse(given.course).inCategory('basic').worth(3).build()],
    'test',
  );
  const policy = aPolicy()
    .calendarYear('Asia/Seoul')
    .requiring(allOf('all', minHours('basic-3h', 3, 'basic')))
    .build();
  const published = await reference.publishPolicy(policy, 'test');
  if (published.outcome !== 'published')
    throw new Error(`the test policy was not published: ${JSON.stringify(published)}`);
  return policy;
}
