import { readFileSync } from 'node:fs';
import type { LanguageMap } from '@lrs/xapi';
import Ajv, { type ErrorObject } from 'ajv';
import addFormats from 'ajv-formats';
import { DateTime, IANAZone } from 'luxon';

export type PeriodSpec =
  | { type: 'calendar_year' }
  | { type: 'fiscal_year'; startMonth: number; startDay: number }
  | { type: 'fixed_window'; id: string; start: string; end: string }
  | { type: 'anchored'; anchor: 'employedFrom' | 'orgUnitFrom'; months: number };

export type CreditBasis = 'nominal' | 'measured' | 'min';

export interface Rounding {
  unitHours: number;
  mode: 'down' | 'nearest' | 'up';
}

export type Requirement = { id: string; title?: LanguageMap } & (
  | { all_of: Requirement[] }
  | { any_of: Requirement[] }
  | { min_hours: { hours: number; category?: string } }
  | { min_count: { count: number; category: string } }
  | { passed: { activity?: string; category?: string } }
);

export interface Policy {
  policyId: string;
  version: number;
  effectiveFrom: string;
  title: LanguageMap;
  timeZone: string;
  population: { staffGroups?: string[]; orgUnits?: string[]; jurisdictions?: string[]; officials?: string[] };
  period: PeriodSpec;
  credit: { basis: CreditBasis; rounding?: Rounding; verbs: string[] };
  classification?: { categories?: Record<string, string>; activities?: Record<string, string> };
  /** What the catalog's categories are called, by category id, in each language (decision 076). */
  categoryTitles?: Record<string, LanguageMap>;
  /** What the registry's staff groups are called, by staff-group id, in each language (decision 076). */
  staffGroupTitles?: Record<string, LanguageMap>;
  requirement: Requirement;
  exemptions?: { prorate?: boolean; reasons?: string[] };
  due?: { daysAfterPeriodEnd?: number; graceDays?: number };
}

export interface PolicyProblem {
  /** JSON pointer into the policy document. */
  pointer: string;
  message: string;
  /** The rule broken when it is not the schema's (training.policy.schema). */
  rule?: string;
}

/** Requirements nest (all_of / any_of) at most this deep; ajv and the evaluator recurse per level. */
export const MAX_REQUIREMENT_DEPTH = 32;
/** Arrays and objects nest at most this deep anywhere in a policy document. */
export const MAX_POLICY_JSON_DEPTH = 100;

const SCHEMA_FILE = new URL('../../../schemas/policy/policy.schema.json', import.meta.url);

let compiled: ReturnType<Ajv['compile']> | null = null;
function schemaValidator(): ReturnType<Ajv['compile']> {
  if (compiled) return compiled;
  const ajv = new Ajv({ allErrors: true, strict: false });
  addFormats(ajv);
  compiled = ajv.compile(JSON.parse(readFileSync(SCHEMA_FILE, 'utf8')) as object);
  return compiled;
}

/**
 * The problems of a policy document: schema violations (schemas/policy/policy.schema.json) and
 * the rules a schema cannot say (a real IANA zone, real dates, unique requirement ids).
 * Empty when the document is a valid policy.
 */
export function policyProblems(document: unknown): PolicyProblem[] {
  // Bounded before validation: ajv's compiled validator recurses once per nesting level and
  // overflows the stack on a few hundred levels of requirements.
  const tooDeep = nestingProblem(document);
  if (tooDeep) return [tooDeep];
  const validate = schemaValidator();
  if (!validate(document)) return schemaProblems(validate.errors ?? []);
  const policy = document as Policy;
  const problems: PolicyProblem[] = [];
  if (!IANAZone.isValidZone(policy.timeZone))
    problems.push({ pointer: '/timeZone', message: `${policy.timeZone} is not an IANA time zone` });
  const dateOk = (text: string) => DateTime.fromISO(text, { zone: 'UTC' }).isValid;
  if (!dateOk(policy.effectiveFrom))
    problems.push({ pointer: '/effectiveFrom', message: 'not a calendar date' });
  if (policy.period.type === 'fixed_window') {
    const { start, end } = policy.period;
    if (!dateOk(start)) problems.push({ pointer: '/period/start', message: 'not a calendar date' });
    if (!dateOk(end)) problems.push({ pointer: '/period/end', message: 'not a calendar date' });
    if (dateOk(start) && dateOk(end) && end < start)
      problems.push({ pointer: '/period/end', message: 'the window ends before it starts' });
  }
  const seen = new Set<string>();
  const walk = (node: Requirement, pointer: string) => {
    if (seen.has(node.id))
      problems.push({ pointer: `${pointer}/id`, message: `duplicate requirement id ${node.id}` });
    seen.add(node.id);
    const children = 'all_of' in node ? node.all_of : 'any_of' in node ? node.any_of : [];
    const key = 'all_of' in node ? 'all_of' : 'any_of';
    children.forEach((child, i) => {
      walk(child, `${pointer}/${key}/${i}`);
    });
  };
  walk(policy.requirement, '/requirement');
  return problems;
}

/**
 * The first place where the document nests too deep (walked without recursion): requirements
 * deeper than MAX_REQUIREMENT_DEPTH, or any JSON deeper than MAX_POLICY_JSON_DEPTH.
 */
function nestingProblem(document: unknown): PolicyProblem | null {
  const stack: { value: unknown; pointer: string; depth: number; requirementDepth: number | null }[] = [
    { value: document, pointer: '', depth: 0, requirementDepth: null },
  ];
  while (stack.length > 0) {
    const { value, pointer, depth, requirementDepth } = stack.pop()!;
    if (value === null || typeof value !== 'object') continue;
    if (depth >= MAX_POLICY_JSON_DEPTH)
      return {
        pointer,
        rule: 'training.policy.depth',
        message: `nests arrays and objects deeper than ${MAX_POLICY_JSON_DEPTH} levels`,
      };
    if (requirementDepth !== null && requirementDepth > MAX_REQUIREMENT_DEPTH)
      return {
        pointer,
        rule: 'training.policy.depth',
        message: `requirements nest (all_of / any_of) deeper than ${MAX_REQUIREMENT_DEPTH} levels`,
      };
    for (const [key, child] of Object.entries(value)) {
      const childPointer = `${pointer}/${key.replaceAll('~', '~0').replaceAll('/', '~1')}`;
      let childRequirementDepth: number | null = null;
      if (pointer === '' && key === 'requirement') childRequirementDepth = 1;
      else if (requirementDepth !== null && !Array.isArray(value) && (key === 'all_of' || key === 'any_of'))
        childRequirementDepth = requirementDepth; // the array; its items are one level deeper
      else if (requirementDepth !== null && Array.isArray(value))
        childRequirementDepth = requirementDepth + 1;
      stack.push({
        value: child,
        pointer: childPointer,
        depth: depth + 1,
        requirementDepth: childRequirementDepth,
      });
    }
  }
  return null;
}

/**
 * ajv's errors as a person reads them. A `oneOf` (the period, a requirement node) reports every
 * branch: when its branches are told apart by `type` and the document's `type` is none of them,
 * the problem is that `type`, with the allowed values; when it names one branch, only that
 * branch's errors count; otherwise the deepest pointer names the field. Errors outside any
 * `oneOf` (a missing `timeZone`) are always reported.
 */
function schemaProblems(errors: ErrorObject[]): PolicyProblem[] {
  const groups = errors.filter((e) => e.keyword === 'oneOf');
  const inGroup = (e: ErrorObject, g: ErrorObject) => e.schemaPath.startsWith(`${g.schemaPath}/`);
  // The innermost oneOf of each error (a requirement nests them).
  const groupOf = (e: ErrorObject) =>
    groups
      .filter((g) => g !== e && inGroup(e, g))
      .sort((a, b) => b.schemaPath.length - a.schemaPath.length)[0];
  const out: PolicyProblem[] = [];
  const seen = new Set<string>();
  const push = (pointer: string, message: string) => {
    if (seen.has(`${pointer} ${message}`)) return;
    seen.add(`${pointer} ${message}`);
    out.push({ pointer, message });
  };
  for (const e of errors)
    if (e.keyword !== 'oneOf' && !groupOf(e)) push(pointerOf(e), e.message ?? 'is invalid');
  for (const g of groups) {
    if (groupOf(g)) continue; // reported through its own group's branch
    const members = errors.filter((e) => e !== g && inGroup(e, g));
    const branchOf = (e: ErrorObject) => e.schemaPath.slice(g.schemaPath.length + 1).split('/')[0]!;
    const typeMisses = members.filter(
      (e) => e.keyword === 'const' && e.instancePath === `${g.instancePath}/type`,
    );
    const branches = new Set(members.map(branchOf));
    if (typeMisses.length > 0 && new Set(typeMisses.map(branchOf)).size === branches.size) {
      const allowed = typeMisses.map((e) => String((e.params as { allowedValue?: unknown }).allowedValue));
      push(`${g.instancePath}/type`, `must be one of ${allowed.join(', ')}`);
      continue;
    }
    const named =
      typeMisses.length > 0 ? [...branches].filter((b) => !typeMisses.some((e) => branchOf(e) === b)) : [];
    const relevant = (named.length === 1 ? members.filter((e) => branchOf(e) === named[0]) : members).filter(
      (e) => e.keyword !== 'oneOf' && e.keyword !== 'const',
    );
    const source = relevant.length > 0 ? relevant : [g];
    const deepest = Math.max(...source.map((e) => depth(pointerOf(e))));
    for (const e of source)
      if (named.length === 1 || depth(pointerOf(e)) === deepest)
        push(pointerOf(e), e.message ?? 'is invalid');
  }
  return out;
}

function pointerOf(e: ErrorObject): string {
  const missing =
    e.keyword === 'required' ? (e.params as { missingProperty?: string }).missingProperty : undefined;
  const extra =
    e.keyword === 'additionalProperties'
      ? (e.params as { additionalProperty?: string }).additionalProperty
      : undefined;
  const child = missing ?? extra;
  return child === undefined
    ? e.instancePath
    : `${e.instancePath}/${child.replaceAll('~', '~0').replaceAll('/', '~1')}`;
}

const depth = (pointer: string) => (pointer === '' ? 0 : pointer.split('/').length);

/** Category an activity counts toward under this policy; null when it counts toward none. */
export function categoryUnder(
  policy: Policy,
  activityId: string,
  catalogCategory: string | null,
): string | null {
  const override = policy.classification?.activities?.[activityId];
  if (override !== undefined) return override;
  if (catalogCategory === null) return null;
  return policy.classification?.categories?.[catalogCategory] ?? catalogCategory;
}
