import type { CredentialRegistry, JwtVerifier } from '@lrs/auth';
import { authenticate } from '@lrs/auth';
import { BadRequest, NotFound } from '@lrs/http';
import {
  assertMayAsk,
  assertMayRead,
  byPolicy,
  cohortView,
  completionReport,
  officialCompletions,
  type Policy,
  programmeStatistics,
  programmeStatisticsCsv,
  reportCsv,
  reportScope,
  statisticsWindow,
} from '@lrs/training';
import express from 'express';
import type { CompletionService } from './service';

/**
 * GET /officials/:officialId/completion[?policy&period]; GET /reports/completion?policy&period[&orgUnit];
 * GET /reports/programmes?(policy&period | from&to&timeZone)[&orgUnit][&category].
 */
export function completionRoutes(service: CompletionService): express.Router {
  const router = express.Router();

  router.get('/officials/:officialId/completion', async (req, res) => {
    const principal = req.principal!;
    const { officialId } = req.params;
    assertMayAsk(principal, officialId);
    await service.catchUp();
    const reader = service.reader();
    const policies = byPolicy(reader.policies());
    const wanted = policyParam(req.query.policy, policies, false);
    const official = reader.official(officialId);
    if (!official)
      throw new NotFound({
        rule: 'training.official.unknown',
        message: `no official ${officialId}`,
        pointer: '/path/officialId',
      });
    assertMayRead(principal, official);
    const periodText = stringParam(req.query.period, 'period');
    if (periodText !== null && wanted === null)
      throw new BadRequest({
        rule: 'training.query.period',
        message: 'period needs a policy',
        pointer: '/query/policy',
      });
    const now = Date.now();
    const { completions, notApplicable, unknownPeriods } = officialCompletions(reader, official, {
      atMs: now,
      ...(wanted !== null ? { policyId: wanted } : {}),
      ...(periodText !== null ? { period: periodText } : {}),
    });
    const [unknown] = unknownPeriods;
    if (unknown)
      throw new BadRequest({
        rule: 'training.query.period',
        message: `policy ${unknown.policyId} has no period ${unknown.period}; its periods are ${unknown.format}`,
        pointer: '/query/period',
      });
    res.json({
      officialId,
      asOf: new Date(now).toISOString(),
      completions: completions.map(({ policy: _policy, ...c }) => c),
      notApplicable,
    });
  });

  // The cohort view (TRAINING-DOMAIN, the provincial supervisor cohort): each trainee's progress per requirement.
  router.get('/reports/cohort', async (req, res) => {
    await service.catchUp();
    const reader = service.reader();
    const policies = byPolicy(reader.policies());
    const policyId = policyParam(req.query.policy, policies, true)!;
    const view = cohortView(
      reader,
      req.principal!,
      policies.get(policyId)!,
      stringParam(req.query.period, 'period'),
      {
        orgUnit: stringParam(req.query.orgUnit, 'orgUnit'),
      },
    );
    res.json(view);
  });

  router.get('/reports/completion', async (req, res) => {
    await service.catchUp();
    const reader = service.reader();
    const policies = byPolicy(reader.policies());
    const policyId = policyParam(req.query.policy, policies, true)!;
    const periodText = stringParam(req.query.period, 'period');
    if (periodText === null)
      throw new BadRequest({
        rule: 'training.query.period',
        message: 'period is required',
        pointer: '/query/period',
      });
    const orgUnit = stringParam(req.query.orgUnit, 'orgUnit');
    const report = completionReport(service, req.principal!, policies.get(policyId)!, periodText, orgUnit);
    if (req.accepts(['application/json', 'text/csv']) === 'text/csv') {
      res.status(200).type('text/csv; charset=utf-8');
      res.setHeader('Content-Disposition', `attachment; filename="completion-${policyId}-${periodText}.csv"`);
      for (const chunk of reportCsv(report)) {
        // Streaming: a large unit is written in chunks, respecting back-pressure.
        if (!res.write(chunk)) await new Promise((resolve) => res.once('drain', resolve));
      }
      res.end();
      return;
    }
    const { rows: _rows, ...summary } = report;
    res.json(summary);
  });

  // Programme statistics of a window (decision 050): a policy's period, or from/to in a time zone.
  router.get('/reports/programmes', async (req, res) => {
    const { jurisdiction } = reportScope(req.principal!);
    await service.catchUp();
    const reader = service.reader();
    const q = req.query as Record<string, unknown>;
    const explicit = ['from', 'to', 'timeZone'].filter((k) => q[k] !== undefined);
    const policyText = stringParam(q.policy, 'policy');
    if (policyText !== null && explicit.length > 0)
      throw new BadRequest({
        rule: 'training.query.window',
        message: 'give either policy and period, or from, to and timeZone, not both',
        pointer: `/query/${explicit[0]}`,
      });
    let window: ReturnType<typeof statisticsWindow>;
    if (policyText !== null || explicit.length === 0) {
      const policies = byPolicy(reader.policies());
      const policyId = policyParam(q.policy, policies, true)!;
      const period = stringParam(q.period, 'period');
      if (period === null)
        throw new BadRequest({
          rule: 'training.query.period',
          message: 'period is required with a policy',
          pointer: '/query/period',
        });
      window = statisticsWindow({ policy: policies.get(policyId)!, period });
    } else {
      const required = (name: string) => {
        const v = stringParam(q[name], name);
        if (v === null)
          throw new BadRequest({
            rule: 'training.query.window',
            message: `${name} is required with ${explicit.join(', ')} (from and to are dates, both inclusive, in timeZone)`,
            pointer: `/query/${name}`,
          });
        return v;
      };
      window = statisticsWindow({
        from: required('from'),
        to: required('to'),
        timeZone: required('timeZone'),
      });
    }
    const statistics = programmeStatistics(reader, window, {
      jurisdiction,
      orgUnit: stringParam(q.orgUnit, 'orgUnit'),
      category: stringParam(q.category, 'category'),
      position: service.running.position()?.commit.toString() ?? null,
    });
    if (req.accepts(['application/json', 'text/csv']) === 'text/csv') {
      res.status(200).type('text/csv; charset=utf-8');
      res.setHeader(
        'Content-Disposition',
        `attachment; filename="programmes-${window.period ?? `${window.from}-${window.to}`}.csv"`,
      );
      for (const chunk of programmeStatisticsCsv(statistics))
        if (!res.write(chunk)) await new Promise((resolve) => res.once('drain', resolve));
      res.end();
      return;
    }
    res.json(statistics);
  });
  return router;
}

function stringParam(value: unknown, name: string): string | null {
  if (value === undefined) return null;
  if (typeof value !== 'string' || value === '')
    throw new BadRequest({
      rule: 'training.query.parameter',
      message: `${name} must be given once, non-empty`,
      pointer: `/query/${name}`,
    });
  return value;
}

function policyParam(value: unknown, policies: Map<string, Policy[]>, required: boolean): string | null {
  const id = stringParam(value, 'policy');
  if (id === null) {
    if (required)
      throw new BadRequest({
        rule: 'training.query.policy',
        message: 'policy is required',
        pointer: '/query/policy',
      });
    return null;
  }
  if (!policies.has(id))
    throw new BadRequest({
      rule: 'training.query.policy',
      message: `no published policy ${id}`,
      pointer: '/query/policy',
    });
  return id;
}

/** Mounts GET /api/officials/:officialId/completion and GET /api/reports/completion on an app. */
export function mountCompletion(
  app: express.Express,
  service: CompletionService,
  options: { credentials: CredentialRegistry; jwt: JwtVerifier | null },
): void {
  app.use('/api', authenticate(options.credentials, options.jwt), completionRoutes(service));
}
