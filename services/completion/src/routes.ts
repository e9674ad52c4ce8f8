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
  reportCsv,
} from '@lrs/training';
import express from 'express';
import type { CompletionService } from './service';

/** GET /officials/:officialId/completion[?policy&period]; GET /reports/completion?policy&period[&orgUnit]. */
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
