import { HttpProblem } from '@lrs/http';
import type { RunningReadModel } from '@lrs/projections';
import {
  byPolicy,
  type CompletionReader,
  cohortView,
  type Policy,
  periodFor,
  policiesInScope,
  programmeStatistics,
  reportScope,
  statisticsWindow,
} from '@lrs/training';
import express, { type Request, type RequestHandler, type Response } from 'express';
import type { Html } from '../html';
import type { Localized, Translator } from '../i18n';
import type { PortalContext } from '../portal-context';
import type { PortalUser } from '../session';
import { auditApi } from './audit';
import type { AuditDutyStatus } from './audit-api';
import {
  type CohortPageView,
  cohortCsv,
  cohortPage,
  filterTrainees,
  parseCohortFilter,
  requirementLeaves,
  requirementTitleOf,
} from './cohort';
import { dutiesPage } from './duties';
import { type ProgrammeQuery, type ProgrammesView, programmesCsv, programmesPage } from './programmes';

export interface ReportPageDeps {
  context: (req: Request, res: Response) => Promise<PortalContext>;
  send: (res: Response, ctx: PortalContext, title: string, body: Html) => unknown;
  requireUser: (
    req: Request,
    res: Response,
    ctx: PortalContext,
  ) => ctx is PortalContext & { user: PortalUser };
  checkCsrf: (req: Request) => void;
  form: RequestHandler;
  completion: RunningReadModel<CompletionReader>;
}

const str = (value: unknown) => (typeof value === 'string' ? value.trim() : '');

/**
 * The policy a report page shows (decision 059): the one asked for when it is the reader's
 * jurisdiction's, else the first of theirs (`policiesInScope`). Asking for another jurisdiction's
 * policy is a 403; for no such policy a 400.
 */
export function chooseScopedPolicy(
  reader: CompletionReader,
  jurisdiction: string | null,
  requested: string,
): { policyId: string; versions: Policy[]; scoped: Map<string, Policy[]> } {
  const scoped = policiesInScope(reader, jurisdiction);
  if (requested) {
    const versions = scoped.get(requested);
    if (versions) return { policyId: requested, versions, scoped };
    if (byPolicy(reader.policies()).has(requested))
      throw new HttpProblem(
        403,
        'training.access.jurisdiction',
        `policy ${requested} is outside your jurisdiction`,
      );
    throw new HttpProblem(400, 'training.query.policy', `no published policy ${requested}`);
  }
  const [first] = scoped;
  if (!first)
    throw new HttpProblem(
      404,
      'portal.policy.none-in-scope',
      'no published policy applies to your jurisdiction',
    );
  return { policyId: first[0], versions: first[1], scoped };
}

const policyTitle = (p: Policy[], tr: Translator): Localized | null =>
  tr.localized(p[p.length - 1]!.title as Record<string, string> | undefined);

/**
 * A category's name for people: its title in the reader's policies (`categoryTitles`, decision
 * 076), else the portal's message when it has one, else the catalog's title
 * when exactly one catalog entry has that category (the cohort's internship, meetings, defence),
 * else the category id as the data give it. The programme statistics name categories by message or
 * id only: there a category holds many programmes.
 */
function categoryTitles(
  reader: CompletionReader,
  tr: Translator,
  fromCatalog: boolean,
): (category: string) => Localized | null {
  const byCategory = new Map<string, Record<string, string>[]>();
  if (fromCatalog)
    for (const { activityId } of reader.catalogRevisions()) {
      const e = reader.catalogEntry(activityId);
      if (!e?.category) continue;
      byCategory.set(e.category, [
        ...(byCategory.get(e.category) ?? []),
        (e.title ?? {}) as Record<string, string>,
      ]);
    }
  return (category) => {
    // The reader's policies' title for the category, else the portal's message (decision 076).
    const titled = tr.termTitle('category', category);
    if (titled) return titled;
    const titles = byCategory.get(category);
    // Only where one activity is the category (a cohort's defence), never a category of many programmes.
    return titles?.length === 1 ? tr.localized(titles[0]) : null;
  };
}

/** The cohort view, programme statistics and reporting duties pages (decisions 058, 059). */
export function reportRoutes(d: ReportPageDeps): express.Router {
  const router = express.Router();

  const cohortData = async (
    req: Request,
    ctx: PortalContext & { user: PortalUser },
  ): Promise<CohortPageView> => {
    const { jurisdiction } = reportScope(ctx.user.principal);
    await d.completion.catchUp();
    const reader = d.completion.reader();
    const { versions, scoped } = chooseScopedPolicy(reader, jurisdiction, str(req.query.policy));
    const view = cohortView(reader, ctx.user.principal, versions, str(req.query.period) || null);
    const filter = parseCohortFilter(req.query as Record<string, unknown>);
    const { tr } = ctx;
    const category = categoryTitles(reader, tr, true);
    const latest = versions[versions.length - 1]!;
    return {
      view,
      rows: filterTrainees(view, reader.orgTree().names, filter),
      filter,
      policies: [...scoped].map(([policyId, v]) => ({ policyId, title: policyTitle(v, tr) })),
      policyTitle: policyTitle(versions, tr),
      requirements: requirementLeaves(view).map((r) => ({
        id: r.id,
        kind: r.kind,
        ...(r.category === undefined ? {} : { category: r.category }),
        title: tr.localized(requirementTitleOf(latest, r.id)) ?? (r.category ? category(r.category) : null),
      })),
    };
  };

  router.get('/cohort', async (req, res) => {
    const ctx = await d.context(req, res);
    if (!d.requireUser(req, res, ctx)) return;
    const v = await cohortData(req, ctx);
    d.send(res, ctx, ctx.tr.t('cohortTitle'), cohortPage(v, ctx.tr));
  });

  router.get('/cohort.csv', async (req, res) => {
    const ctx = await d.context(req, res);
    if (!d.requireUser(req, res, ctx)) return;
    const v = await cohortData(req, ctx);
    res.type('text/csv; charset=utf-8');
    res.setHeader(
      'Content-Disposition',
      `attachment; filename="cohort-${v.view.policyId}-${v.view.period}.csv"`,
    );
    res.send(cohortCsv(v, ctx.tr));
  });

  /** The window asked for: dates when chosen (or given without a choice), else a policy period. */
  const programmeQuery = (
    req: Request,
    scoped: Map<string, Policy[]>,
    ctx: PortalContext,
  ): ProgrammeQuery => {
    const q = req.query as Record<string, unknown>;
    const from = str(q.from);
    const to = str(q.to);
    const by = q.by === 'dates' || (q.by !== 'period' && (from !== '' || to !== '')) ? 'dates' : 'period';
    const policy = str(q.policy) || ([...scoped.keys()][0] ?? '');
    const versions = scoped.get(policy);
    const latest = versions?.[versions.length - 1];
    const period = str(q.period) || (latest ? (periodFor(latest, Date.now())?.id ?? '') : '');
    const timeZone = str(q.timeZone) || latest?.timeZone || ctx.tr.timeZone;
    return { by, policy, period, from, to, timeZone };
  };

  const programmesData = async (
    req: Request,
    ctx: PortalContext & { user: PortalUser },
  ): Promise<ProgrammesView> => {
    const { jurisdiction } = reportScope(ctx.user.principal);
    await d.completion.catchUp();
    const reader = d.completion.reader();
    const scoped = policiesInScope(reader, jurisdiction);
    const query = programmeQuery(req, scoped, ctx);
    const { tr } = ctx;
    const base = {
      query,
      policies: [...scoped].map(([policyId, v]) => ({ policyId, title: policyTitle(v, tr) })),
      categoryTitle: categoryTitles(reader, tr, false),
      // The audit API lets auditors, admins and policy units (their jurisdiction) take snapshots.
      mayTakeSnapshot: ctx.user.roles.some((r) => r === 'policy-unit' || r === 'auditor' || r === 'admin'),
      csrf: ctx.csrf,
      asOf: new Date().toISOString(),
    };
    try {
      if (query.by === 'period' && query.policy && !scoped.has(query.policy))
        chooseScopedPolicy(reader, jurisdiction, query.policy);
      const window =
        query.by === 'dates'
          ? statisticsWindow({ from: query.from, to: query.to, timeZone: query.timeZone })
          : statisticsWindow({ policy: scoped.get(query.policy) ?? [], period: query.period });
      const statistics = programmeStatistics(reader, window, {
        jurisdiction,
        orgUnit: null,
        category: null,
        position: d.completion.running.position()?.commit.toString() ?? null,
      });
      return { ...base, statistics, problem: null };
    } catch (error) {
      // A wrong window or a window without attendances: the page says so beside the form.
      if (!(error instanceof HttpProblem) || error.status !== 400) throw error;
      const key = `error.${error.rule}`;
      return {
        ...base,
        statistics: null,
        problem: {
          rule: error.rule,
          message: error.message,
          text: tr.has(key) ? tr.t(key) : tr.t('error.other'),
        },
      };
    }
  };

  router.get('/programmes', async (req, res) => {
    const ctx = await d.context(req, res);
    if (!d.requireUser(req, res, ctx)) return;
    const v = await programmesData(req, ctx);
    if (!v.statistics) res.status(v.problem?.rule === 'training.report.no-data' ? 200 : 400);
    d.send(res, ctx, ctx.tr.t('programmeStatistics'), programmesPage(v, ctx.tr));
  });

  router.get('/programmes.csv', async (req, res) => {
    const ctx = await d.context(req, res);
    if (!d.requireUser(req, res, ctx)) return;
    const v = await programmesData(req, ctx);
    if (!v.statistics) throw new HttpProblem(400, v.problem!.rule, v.problem!.message);
    const w = v.statistics.window;
    res.type('text/csv; charset=utf-8');
    res.setHeader(
      'Content-Disposition',
      `attachment; filename="programmes-${w.period ?? `${w.from}-${w.to}`}.csv"`,
    );
    res.send(programmesCsv(v.statistics, v.asOf, v.categoryTitle, ctx.tr));
  });

  // A snapshot of these figures through the audit API (its roles decide), as the log stands now.
  router.post('/programmes/snapshot', d.form, async (req, res) => {
    d.checkCsrf(req);
    const ctx = await d.context(req, res);
    if (!d.requireUser(req, res, ctx)) return;
    const body = req.body as Record<string, unknown>;
    const window =
      str(body.from) || str(body.to)
        ? { from: str(body.from), to: str(body.to), timeZone: str(body.timeZone) }
        : { policy: str(body.policy), period: str(body.period) };
    const snapshot = await auditApi<{ snapshotId: string }>(req, ctx.user, '/reports/snapshots', {
      method: 'POST',
      body: { kind: 'programme-statistics', ...window, asOf: new Date().toISOString() },
    });
    res.redirect(303, `/audit/snapshots/${encodeURIComponent(snapshot.snapshotId)}`);
  });

  router.get('/duties', async (req, res) => {
    const ctx = await d.context(req, res);
    if (!d.requireUser(req, res, ctx)) return;
    const { duties } = await auditApi<{ duties: AuditDutyStatus[] }>(req, ctx.user, '/reports/duties');
    d.send(res, ctx, ctx.tr.t('reportingDuties'), dutiesPage(duties, ctx.tr));
  });

  // A snapshot's download for a browser (the API wants a token; the session holds it).
  router.get('/reports/snapshots/:file', async (req, res, next) => {
    const ctx = await d.context(req, res);
    if (!d.requireUser(req, res, ctx)) return;
    const m = /^([0-9a-zA-Z-]{1,80})\.json$/.exec(req.params.file);
    if (!m) return next();
    const snapshot = await auditApi<unknown>(
      req,
      ctx.user,
      `/reports/snapshots/${encodeURIComponent(m[1]!)}`,
    );
    res.type('application/json; charset=utf-8');
    res.setHeader('Content-Disposition', `attachment; filename="snapshot-${m[1]}.json"`);
    res.send(`${JSON.stringify(snapshot, null, 2)}\n`);
  });
  return router;
}
