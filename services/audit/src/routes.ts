import type { CredentialRegistry, JwtVerifier } from '@lrs/auth';
import { authenticate, principalKey } from '@lrs/auth';
import { BadRequest, Conflict, NotFound, readJsonBody } from '@lrs/http';
import { assertAdmin, byPolicy, periodFor, type ReportRow, statisticsWindow } from '@lrs/training';
import express from 'express';
import { assertMaySee, auditScope, maySee } from './access';
import { type CutOff, type CutOffRequest, cutOffRequest, resolveCutOff } from './cut-off';
import { type DiffSide, diffReports } from './diff';
import { reportAt, withModelAt } from './model-at';
import { replayFor } from './replay-jobs';
import type { AuditService } from './service';
import { SNAPSHOT_KINDS, type SnapshotKind } from './snapshot-index';
import type { AnySnapshot, ReportSnapshot } from './snapshots';
import {
  isProgrammeSnapshot,
  loadCompletionSnapshot,
  loadSnapshot,
  takeProgrammeSnapshot,
  takeSnapshot,
  verifySnapshot,
} from './snapshots';

const BODY_LIMIT = 64 * 1024;

/** The audit API (decision 008); every route checks auditScope first. */
/**
 * `nameOf`: the name of a principal id at display time (a credential's name); snapshots record the
 * taker's id only (decision 077), older ones also their name.
 */
export function auditRoutes(
  service: AuditService,
  nameOf: (principalId: string) => string | undefined = () => undefined,
): express.Router {
  const router = express.Router();
  const { log } = service;

  router.post('/audits/replays', async (req, res) => {
    const principal = req.principal!;
    const scope = auditScope(principal);
    const body = objectBody(await readJsonBody(req, { limit: BODY_LIMIT }));
    const cutOff = await resolveCutOff(log, cutOffRequest(body, 'body'));
    // A policy unit's replay belongs to its jurisdiction: only that jurisdiction sees it.
    const job = service.jobs.start(cutOff, {
      key: principalKey(principal),
      jurisdiction: scope.jurisdiction,
    });
    res.status(202).location(`/api/audits/replays/${job.id}`).json(replayFor(job, scope.jurisdiction));
  });

  router.get('/audits/replays', (req, res) => {
    const scope = auditScope(req.principal);
    res.json({
      replays: service.jobs
        .list()
        .map((job) => replayFor(job, scope.jurisdiction))
        .filter((job) => job !== null),
    });
  });

  router.get('/audits/replays/:id', (req, res) => {
    const scope = auditScope(req.principal);
    res.json(replayFor(replay(service, req.params.id, scope.jurisdiction), scope.jurisdiction));
  });

  router.delete('/audits/replays/:id', async (req, res) => {
    const scope = auditScope(req.principal);
    replay(service, req.params.id, scope.jurisdiction);
    const job = await service.jobs.delete(req.params.id);
    res.json({ id: job!.id, deleted: true, state: job!.state });
  });

  router.post('/reports/snapshots', async (req, res) => {
    const principal = req.principal!;
    const scope = auditScope(principal);
    const body = objectBody(await readJsonBody(req, { limit: BODY_LIMIT }));
    if (await service.registryAwaitsMigration())
      // Its fingerprint hashes these officials by id; after the migration a replay hashes them by
      // pseudonym, so the snapshot could never be verified (decision 078).
      throw new Conflict({
        rule: 'audit.snapshot.registry-awaits-migration',
        message:
          'the registry holds officials recorded before personal data was sealed; a snapshot taken now could not be verified once `pnpm privacy migrate` has sealed them: run the migration first (decision 078)',
        pointer: '',
      });
    if (body.kind !== undefined && body.kind !== 'completion-status') {
      if (body.kind !== 'programme-statistics')
        throw new BadRequest({
          rule: 'audit.snapshot.kind',
          message: 'kind is completion-status (the default) or programme-statistics',
          pointer: '/body/kind',
        });
      const snapshot = await programmeSnapshot(body, scope.jurisdiction, principal);
      res.status(201).location(`/api/reports/snapshots/${snapshot.snapshotId}`).json(snapshot);
      return;
    }
    const policyId = requiredString(body.policy, '/body/policy', 'policy');
    if (service.publishedPolicies && !(await service.publishedPolicies()).has(policyId))
      throw new BadRequest({
        rule: 'audit.policy.unknown',
        message: `no policy ${policyId} has been published`,
        pointer: '/body/policy',
      });
    const period = requiredString(body.period, '/body/period', 'period');
    const orgUnit =
      body.orgUnit === undefined ? null : requiredString(body.orgUnit, '/body/orgUnit', 'orgUnit');
    const cutOff = await resolveCutOff(log, cutOffRequest(body, 'body'));
    const snapshot = await takeSnapshot(
      log,
      service.scratchRoot,
      cutOff,
      { policyId, period, orgUnit, jurisdiction: scope.jurisdiction },
      principal,
    );
    res
      .status(201)
      .location(`/api/reports/snapshots/${snapshot.snapshotId}`)
      .json(snapshotFor(await shownRows(service, snapshot), scope.jurisdiction));
  });

  // The list of report snapshots (decision 060): filtered, newest first, paged with a total.
  router.get('/reports/snapshots', async (req, res) => {
    const scope = auditScope(req.principal);
    const q = req.query as Record<string, unknown>;
    for (const name of Object.keys(q))
      if (!SNAPSHOT_LIST_PARAMETERS.includes(name))
        throw new BadRequest({
          rule: 'audit.parameter.unknown',
          message: `unknown parameter ${name}; the list filters by ${SNAPSHOT_LIST_PARAMETERS.join(', ')}`,
          pointer: `/query/${name}`,
        });
    const optional = (name: string) =>
      q[name] === undefined ? undefined : requiredString(q[name], `/query/${name}`, name);
    const kind = optional('kind');
    if (kind !== undefined && !(SNAPSHOT_KINDS as readonly string[]).includes(kind))
      throw new BadRequest({
        rule: 'audit.snapshot.kind',
        message: `kind is one of ${SNAPSHOT_KINDS.join(', ')}`,
        pointer: '/query/kind',
      });
    const policyId = optional('policy');
    const policies = await service.duties.policies();
    if (policyId !== undefined && !policies.has(policyId))
      throw new BadRequest({
        rule: 'audit.policy.unknown',
        message: `no policy ${policyId} has been published`,
        pointer: '/query/policy',
      });
    const duty = optional('duty');
    if (duty !== undefined && !(await service.duties.definitions()).some((d) => d.dutyId === duty))
      throw new BadRequest({
        rule: 'audit.duty.unknown',
        message: `no reporting duty ${duty}`,
        pointer: '/query/duty',
      });
    const page = positiveInteger(q.page, 'page', 1, Number.MAX_SAFE_INTEGER) ?? 1;
    const pageSize = positiveInteger(q.pageSize, 'pageSize', 1, 200) ?? 25;
    const period = optional('period');
    const orgUnit = optional('orgUnit');
    const all = await service.snapshots.list({
      jurisdiction: scope.jurisdiction,
      ...(kind !== undefined ? { kind: kind as SnapshotKind } : {}),
      ...(policyId !== undefined ? { policyId } : {}),
      ...(period !== undefined ? { period } : {}),
      ...(orgUnit !== undefined ? { orgUnit } : {}),
      ...(duty !== undefined ? { duty } : {}),
    });
    const title = (id: string | null) => (id ? (policies.get(id)?.title ?? null) : null);
    res.json({
      total: all.length,
      page,
      pageSize,
      snapshots: all.slice((page - 1) * pageSize, page * pageSize).map((s) => ({
        ...s,
        takenByName: s.takenByName ?? nameOf(s.takenBy) ?? null,
        policyTitle: title(s.policyId),
      })),
    });
  });

  // What a finished replay computed: the completion report of a policy period at its cut-off.
  router.get('/audits/replays/:id/report', async (req, res) => {
    const principal = req.principal!;
    const scope = auditScope(principal);
    const job = replay(service, req.params.id, scope.jurisdiction);
    const q = req.query as Record<string, unknown>;
    const policyId = requiredString(q.policy, '/query/policy', 'policy');
    const orgUnit = q.orgUnit === undefined ? null : requiredString(q.orgUnit, '/query/orgUnit', 'orgUnit');
    const answer = await service.jobs.withModel(job.id, (model) => {
      const versions = model.policyVersions(policyId);
      const latest = versions[versions.length - 1];
      if (!latest)
        throw new BadRequest({
          rule: 'audit.policy.unknown',
          message: `policy ${policyId} was not published as of the replay's cut-off ${model.cutOff.asOf}`,
          pointer: '/query/policy',
        });
      // The period a person meant at the cut-off, when none is given (periodFor, one rule).
      const period =
        q.period === undefined
          ? periodFor(latest, Date.parse(model.cutOff.asOf))?.id
          : requiredString(q.period, '/query/period', 'period');
      if (period === undefined)
        throw new BadRequest({
          rule: 'audit.parameter',
          message: 'period is required (the policy has no period at the cut-off)',
          pointer: '/query/period',
        });
      const report = reportAt(
        model,
        { policyId, period, orgUnit, jurisdiction: scope.jurisdiction },
        principal,
      );
      const all = model.reader.officialNames();
      const names: Record<string, string> = {};
      for (const r of report.rows) names[r.officialId] = all.get(r.officialId) ?? r.officialId;
      return { replayId: job.id, cutOff: model.cutOff, report, names };
    });
    res.json(answer);
  });

  router.get('/reports/snapshots/:id', async (req, res) => {
    const scope = auditScope(req.principal);
    const snapshot = await loadSnapshot(log, req.params.id, '/path/snapshotId');
    assertMaySee(scope, snapshot.jurisdiction);
    res.json(snapshotFor(await shownRows(service, snapshot), scope.jurisdiction));
  });

  router.get('/reports/snapshots/:id/verify', async (req, res) => {
    const scope = auditScope(req.principal);
    const snapshot = await loadSnapshot(log, req.params.id, '/path/snapshotId');
    assertMaySee(scope, snapshot.jurisdiction);
    const verification = await verifySnapshot(log, service.scratchRoot, snapshot, req.principal!);
    if (!verification.matches) req.log?.warn({ verification }, 'audit alarm: snapshot does not reproduce');
    res.json(verificationFor(verification, scope.jurisdiction));
  });

  // Reporting duties (decision 051): definitions are data, each occurrence with its state and snapshots.
  router.get('/reports/duties', async (req, res) => {
    const scope = auditScope(req.principal);
    const duties = await service.duties.status(Date.now());
    res.json({
      // Each occurrence carries its duty's jurisdiction, a policy's duty its policy's (decision 075).
      duties: duties.filter((d) => maySee(scope, d.jurisdiction)),
    });
  });

  router.get('/reports/duties/:id', async (req, res) => {
    const scope = auditScope(req.principal);
    const definition = (await service.duties.definitions()).find((d) => d.dutyId === req.params.id);
    // A duty belongs to its jurisdiction or to its policy's (decision 075); another's is "no duty".
    if (!definition || !maySee(scope, await service.duties.jurisdictionOf(definition)))
      throw new NotFound({
        rule: 'audit.duty.unknown',
        message: `no reporting duty ${req.params.id}`,
        pointer: '/path/dutyId',
      });
    const occurrences = (await service.duties.status(Date.now())).filter(
      (d) => d.dutyId === definition.dutyId,
    );
    res.json({ duty: definition, occurrences });
  });

  router.put('/reports/duties/:id', async (req, res) => {
    assertAdmin(req.principal, 'reporting duties are defined by administrators only');
    const body = await readJsonBody(req, { limit: BODY_LIMIT });
    const outcome = await service.duties.define(body, req.params.id);
    res.status(outcome.outcome === 'defined' ? 201 : 200).json(outcome);
  });

  router.get('/audits/diff', async (req, res) => {
    const principal = req.principal!;
    const scope = auditScope(principal);
    const q = req.query as Record<string, unknown>;
    const from = await side(q, 'from', true);
    const to = await side(q, 'to', false);
    const snapshots = [from.snapshot, to.snapshot].filter((s): s is ReportSnapshot => s !== null);
    for (const s of snapshots) assertMaySee(scope, s.jurisdiction);
    const policyId = agreed(
      q.policy,
      snapshots.map((s) => s.policyId),
      'policy',
      'policies',
    );
    const period = agreed(
      q.period,
      snapshots.map((s) => s.period),
      'period',
      'periods',
    );
    const orgUnit =
      q.orgUnit !== undefined
        ? requiredString(q.orgUnit, '/query/orgUnit', 'orgUnit')
        : (snapshots[0]?.orgUnit ?? null);
    const official =
      q.official === undefined ? null : requiredString(q.official, '/query/official', 'official');
    const jurisdiction = snapshots[0]?.jurisdiction ?? scope.jurisdiction;
    const diff = await withModelAt(log, from.cutOff, service.scratchRoot, (a) =>
      withModelAt(log, to.cutOff, service.scratchRoot, (b) => {
        const sideA: DiffSide = { model: a, snapshotId: from.snapshot?.snapshotId ?? null };
        const sideB: DiffSide = { model: b, snapshotId: to.snapshot?.snapshotId ?? null };
        return diffReports(sideA, sideB, { policyId, period, orgUnit, jurisdiction, official }, principal);
      }),
    );
    res.json(diff);
  });

  /** One side of a diff: an instant, a position or a snapshot; the `to` side defaults to now. */
  async function side(
    q: Record<string, unknown>,
    name: 'from' | 'to',
    required: boolean,
  ): Promise<{ cutOff: CutOff; snapshot: ReportSnapshot | null }> {
    const snapshotParam = q[`${name}Snapshot`];
    const given = [q[name], q[`${name}Position`], snapshotParam].filter((v) => v !== undefined).length;
    if (given > 1 || (given === 0 && required))
      throw new BadRequest({
        rule: 'audit.diff.side',
        message: `give exactly one of ${name} (instant), ${name}Position or ${name}Snapshot${required ? '' : ' (or none for now)'}`,
        pointer: `/query/${name}`,
      });
    if (snapshotParam !== undefined) {
      const id = requiredString(snapshotParam, `/query/${name}Snapshot`, `${name}Snapshot`);
      const snapshot = await loadCompletionSnapshot(log, id, `/query/${name}Snapshot`);
      return { cutOff: snapshot.cutOff, snapshot };
    }
    if (given === 0) {
      const head = await log.headPosition();
      if (!head) throw new BadRequest({ rule: 'audit.cut-off.empty-log', message: 'the log is empty' });
      return {
        cutOff: await resolveCutOff(log, { asOf: new Date().toISOString() }, { pointer: `/query/${name}` }),
        snapshot: null,
      };
    }
    const request: CutOffRequest = cutOffRequest(q, 'query', { asOf: name, position: `${name}Position` });
    return {
      cutOff: await resolveCutOff(log, request, {
        pointer: `/query/${'asOf' in request ? name : `${name}Position`}`,
      }),
      snapshot: null,
    };
  }

  /** A programme-statistics snapshot: policy and period, or from, to and timeZone (decision 051). */
  async function programmeSnapshot(
    body: Record<string, unknown>,
    jurisdiction: string | null,
    principal: NonNullable<express.Request['principal']>,
  ) {
    const cutOff = await resolveCutOff(log, cutOffRequest(body, 'body'));
    const optional = (name: string) =>
      body[name] === undefined ? null : requiredString(body[name], `/body/${name}`, name);
    let window: ReturnType<typeof statisticsWindow>;
    if (body.policy !== undefined) {
      const policyId = requiredString(body.policy, '/body/policy', 'policy');
      const period = requiredString(body.period, '/body/period', 'period');
      const versions = byPolicy(await service.duties.policyVersions()).get(policyId);
      if (!versions)
        throw new BadRequest({
          rule: 'audit.policy.unknown',
          message: `no published policy ${policyId}`,
          pointer: '/body/policy',
        });
      window = statisticsWindow({ policy: versions, period }, '/body');
    } else
      window = statisticsWindow(
        {
          from: requiredString(body.from, '/body/from', 'from'),
          to: requiredString(body.to, '/body/to', 'to'),
          timeZone: requiredString(body.timeZone, '/body/timeZone', 'timeZone'),
        },
        '/body',
      );
    return takeProgrammeSnapshot(
      log,
      service.scratchRoot,
      cutOff,
      { window, orgUnit: optional('orgUnit'), jurisdiction, category: optional('category') },
      principal,
    );
  }

  return router;
}

/** Figures of the whole log and registry a jurisdiction's caller is not shown (decision 038). */
const LOG_WIDE = new Set(['events read', 'registry']);

/** A snapshot as a caller of `jurisdiction` sees it: without the log-wide counts of its manifest. */
/**
 * A completion snapshot as the API shows it: each row's official resolved from the pseudonym it
 * was recorded under to their current id (`erased: true` and the pseudonym once erased; decision
 * 078). The event keeps the pseudonyms; verification reads the event.
 */
async function shownRows(service: AuditService, snapshot: AnySnapshot): Promise<AnySnapshot> {
  if (isProgrammeSnapshot(snapshot) || !snapshot.rows) return snapshot;
  const rows: ReportRow[] = [];
  for (const row of snapshot.rows) {
    const { officialId, erased } = await service.officialOfSnapshotKey(row.officialId);
    rows.push({ ...row, officialId, ...(erased ? { erased: true } : {}) });
  }
  const shown: ReportSnapshot = { ...snapshot, rows };
  return shown;
}

function snapshotFor(snapshot: AnySnapshot, jurisdiction: string | null): object {
  if (jurisdiction === null) return snapshot;
  const { eventsRead: _all, registry: _registry, projections, ...manifest } = snapshot.manifest;
  return {
    ...snapshot,
    manifest: { ...manifest, projections: projections.map(({ eventsRead: _e, ...p }) => p) },
  };
}

/** A verification as a caller of `jurisdiction` sees it: the same verdict, without log-wide counts. */
function verificationFor<
  V extends {
    expected: { eventsRead?: number };
    actual: { eventsRead?: number };
    differences: { what: string }[];
  },
>(verification: V, jurisdiction: string | null): object {
  if (jurisdiction === null) return verification;
  const { eventsRead: _e, ...expected } = verification.expected;
  const { eventsRead: _a, ...actual } = verification.actual;
  return {
    ...verification,
    expected,
    actual,
    differences: verification.differences.map((d) =>
      LOG_WIDE.has(d.what) ? { what: d.what, expected: null, actual: null } : d,
    ),
  };
}

/** The replay, if the caller's jurisdiction may see it: another jurisdiction's is "no replay" (404). */
function replay(service: AuditService, id: string, jurisdiction: string | null) {
  const job = service.jobs.get(id);
  if (!job || (jurisdiction !== null && (job.jurisdiction ?? null) !== jurisdiction))
    throw new NotFound({ rule: 'audit.replay.unknown', message: `no replay ${id}`, pointer: '/path/id' });
  return job;
}

function objectBody(body: unknown): Record<string, unknown> {
  if (body === null || typeof body !== 'object' || Array.isArray(body))
    throw new BadRequest({ rule: 'audit.body', message: 'the body must be a JSON object', pointer: '/body' });
  return body as Record<string, unknown>;
}

const SNAPSHOT_LIST_PARAMETERS = ['kind', 'policy', 'period', 'orgUnit', 'duty', 'page', 'pageSize'];

/** An optional whole number in [min, max] from the query, else a 400 naming the parameter. */
function positiveInteger(value: unknown, name: string, min: number, max: number): number | undefined {
  if (value === undefined) return undefined;
  const n = typeof value === 'string' && /^[0-9]{1,16}$/.test(value) ? Number(value) : Number.NaN;
  if (!Number.isSafeInteger(n) || n < min || n > max)
    throw new BadRequest({
      rule: 'audit.parameter',
      message: `${name} must be one whole number from ${min} to ${max}`,
      pointer: `/query/${name}`,
    });
  return n;
}

function requiredString(value: unknown, pointer: string, name: string): string {
  if (typeof value !== 'string' || value === '')
    throw new BadRequest({
      rule: 'audit.parameter',
      message: `${name} must be one non-empty string`,
      pointer,
    });
  return value;
}

/** The query's value and the snapshots' must agree: a diff across policies compares nothing. */
function agreed(value: unknown, fromSnapshots: string[], name: string, plural: string): string {
  const values = new Set(fromSnapshots);
  if (value !== undefined) values.add(requiredString(value, `/query/${name}`, name));
  if (values.size === 0)
    throw new BadRequest({
      rule: 'audit.parameter',
      message: `${name} is required`,
      pointer: `/query/${name}`,
    });
  if (values.size > 1)
    throw new BadRequest({
      rule: `audit.diff.${name}-mismatch`,
      message: `cannot compare reports of different ${plural}: ${[...values].join(' vs ')}`,
      pointer: `/query/${name}`,
    });
  return [...values][0]!;
}

/** Mounts /api/audits/* and /api/reports/snapshots*, /api/reports/duties on an app. */
export function mountAudit(
  app: express.Express,
  service: AuditService,
  options: { credentials: CredentialRegistry; jwt: JwtVerifier | null },
): void {
  app.use(
    '/api',
    authenticate(options.credentials, options.jwt),
    auditRoutes(service, (id) => options.credentials.get(id)?.name),
  );
}
