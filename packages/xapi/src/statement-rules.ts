// Rules a JSON Schema cannot express (or expresses with unreadable errors). Each check is defensive: it
// runs even when the schema already failed, and only looks at values of the expected shape.
import { childPointer } from './pointer';
import type { ValidationIssue, XapiVersion } from './types';
import { VOIDED_VERB_ID } from './types';

type Json = Record<string, unknown>;

const IFI_KEYS = ['mbox', 'mbox_sha1sum', 'openid', 'account'] as const;

function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function ifiCount(actor: Json): number {
  let n = 0;
  for (const key of IFI_KEYS) if (actor[key] !== undefined) n++;
  return n;
}

// xAPI Data 2.4.4.1 Interaction Components: which component lists each interactionType supports.
const COMPONENT_LISTS = ['choices', 'scale', 'source', 'target', 'steps'] as const;
const ALLOWED_LISTS: Record<string, readonly string[]> = {
  choice: ['choices'],
  sequencing: ['choices'],
  likert: ['scale'],
  matching: ['source', 'target'],
  performance: ['steps'],
  'true-false': [],
  'fill-in': [],
  'long-fill-in': [],
  numeric: [],
  other: [],
};

class RuleContext {
  readonly issues: ValidationIssue[] = [];
  constructor(readonly version: XapiVersion) {}

  report(pointer: string, rule: string, message: string): void {
    this.issues.push({ pointer, rule, message });
  }
}

function checkAgent(ctx: RuleContext, agent: unknown, at: string): void {
  if (!isObject(agent)) return;
  const n = ifiCount(agent);
  // xAPI Data 2.4.2.1: exactly one of mbox, mbox_sha1sum, openid, account.
  if (n !== 1) {
    ctx.report(
      at,
      'agent.exactly-one-ifi',
      n === 0
        ? 'An Agent must be identified by one Inverse Functional Identifier: mbox, mbox_sha1sum, openid or account (xAPI Data 2.4.2.1).'
        : `An Agent must not include more than one Inverse Functional Identifier; found ${n} (xAPI Data 2.4.2.1).`,
    );
  }
}

function checkGroup(ctx: RuleContext, group: Json, at: string): void {
  const n = ifiCount(group);
  if (n > 1) {
    ctx.report(
      at,
      'group.exactly-one-ifi',
      `An Identified Group must include exactly one Inverse Functional Identifier; found ${n} (xAPI Data 2.4.2.2).`,
    );
  }
  if (n === 0 && group['member'] === undefined) {
    ctx.report(
      childPointer(at, 'member'),
      'group.anonymous-requires-member',
      "An Anonymous Group (one without an Inverse Functional Identifier) must list its 'member' Agents (xAPI Data 2.4.2.2).",
    );
  }
  const members = group['member'];
  if (Array.isArray(members)) {
    members.forEach((member, i) => {
      // Nested Groups are reported by the schema (group.member-not-agent).
      if (isObject(member) && member['objectType'] !== 'Group')
        checkAgent(ctx, member, childPointer(childPointer(at, 'member'), i));
    });
  }
}

function checkActor(ctx: RuleContext, actor: unknown, at: string): void {
  if (!isObject(actor)) return;
  if (actor['objectType'] === 'Group') checkGroup(ctx, actor, at);
  else checkAgent(ctx, actor, at);
}

function checkActivity(ctx: RuleContext, activity: unknown, at: string): void {
  if (!isObject(activity)) return;
  const definition = activity['definition'];
  if (!isObject(definition)) return;
  const defAt = childPointer(at, 'definition');
  const interactionType = definition['interactionType'];
  const allowed = typeof interactionType === 'string' ? ALLOWED_LISTS[interactionType] : undefined;
  for (const list of COMPONENT_LISTS) {
    const components = definition[list];
    if (components === undefined) continue;
    const listAt = childPointer(defAt, list);
    if (interactionType === undefined) {
      ctx.report(
        listAt,
        'interaction.missing-interaction-type',
        `'${list}' belongs to Interaction Activities, which must have an interactionType (xAPI Data 2.4.4.1 Interaction Activities).`,
      );
    } else if (allowed && !allowed.includes(list)) {
      ctx.report(
        listAt,
        'interaction.component-list-not-allowed',
        `interactionType '${String(interactionType)}' does not support the '${list}' component list (xAPI Data 2.4.4.1 Interaction Components).`,
      );
    }
    if (Array.isArray(components)) {
      const seen = new Set<string>();
      components.forEach((component, i) => {
        if (!isObject(component) || typeof component['id'] !== 'string') return;
        const id = component['id'];
        if (seen.has(id)) {
          ctx.report(
            childPointer(childPointer(listAt, i), 'id'),
            'interaction.duplicate-component-id',
            `Interaction component id '${id}' appears twice in '${list}'; ids within a list must be distinct (xAPI Data 2.4.4.1 Interaction Components).`,
          );
        }
        seen.add(id);
      });
    }
  }
  if (definition['correctResponsesPattern'] !== undefined && interactionType === undefined) {
    ctx.report(
      childPointer(defAt, 'correctResponsesPattern'),
      'interaction.missing-interaction-type',
      "'correctResponsesPattern' belongs to Interaction Activities, which must have an interactionType (xAPI Data 2.4.4.1 Interaction Activities).",
    );
  }
}

function asList(value: unknown): unknown[] {
  return Array.isArray(value) ? value : value === undefined ? [] : [value];
}

function checkContext(ctx: RuleContext, context: unknown, at: string, object: unknown): void {
  if (!isObject(context)) return;
  // xAPI Data 2.4.6: revision and platform only when the Statement's Object is an Activity (the default
  // objectType, 2.4.4).
  const objectType = isObject(object) ? (object['objectType'] ?? 'Activity') : 'Activity';
  if (objectType !== 'Activity') {
    for (const key of ['revision', 'platform'] as const) {
      if (context[key] !== undefined) {
        ctx.report(
          childPointer(at, key),
          `context.${key}-requires-activity`,
          `The '${key}' property must only be used when the Statement's Object is an Activity; here it is ${String(objectType)} (xAPI Data 2.4.6).`,
        );
      }
    }
  }
  checkActor(ctx, context['instructor'], childPointer(at, 'instructor'));
  if (isObject(context['team'])) checkGroup(ctx, context['team'], childPointer(at, 'team'));
  const contextActivities = context['contextActivities'];
  if (isObject(contextActivities)) {
    for (const [kind, value] of Object.entries(contextActivities)) {
      const kindAt = childPointer(childPointer(at, 'contextActivities'), kind);
      if (Array.isArray(value))
        value.forEach((activity, i) => {
          checkActivity(ctx, activity, childPointer(kindAt, i));
        });
      else checkActivity(ctx, value, kindAt);
    }
  }
  if (ctx.version === '2.0.0') {
    asList(context['contextAgents']).forEach((entry, i) => {
      if (isObject(entry))
        checkAgent(
          ctx,
          entry['agent'],
          childPointer(childPointer(childPointer(at, 'contextAgents'), i), 'agent'),
        );
    });
    asList(context['contextGroups']).forEach((entry, i) => {
      if (isObject(entry) && isObject(entry['group'])) {
        checkGroup(
          ctx,
          entry['group'],
          childPointer(childPointer(childPointer(at, 'contextGroups'), i), 'group'),
        );
      }
    });
  }
}

function checkScore(ctx: RuleContext, result: unknown, at: string): void {
  if (!isObject(result) || !isObject(result['score'])) return;
  const score = result['score'];
  const scoreAt = childPointer(at, 'score');
  const num = (key: string): number | undefined =>
    typeof score[key] === 'number' ? (score[key] as number) : undefined;
  const raw = num('raw');
  const min = num('min');
  const max = num('max');
  // xAPI Data 2.4.5.1: min is "less than max"; raw lies between min and max, inclusive.
  if (min !== undefined && max !== undefined && !(min < max)) {
    ctx.report(
      childPointer(scoreAt, 'min'),
      'score.min-not-below-max',
      `score.min (${min}) must be less than score.max (${max}) (xAPI Data 2.4.5.1).`,
    );
  }
  if (raw !== undefined && min !== undefined && raw < min) {
    ctx.report(
      childPointer(scoreAt, 'raw'),
      'score.raw-below-min',
      `score.raw (${raw}) must not be below score.min (${min}) (xAPI Data 2.4.5.1).`,
    );
  }
  if (raw !== undefined && max !== undefined && raw > max) {
    ctx.report(
      childPointer(scoreAt, 'raw'),
      'score.raw-above-max',
      `score.raw (${raw}) must not be above score.max (${max}) (xAPI Data 2.4.5.1).`,
    );
  }
}

function checkAuthority(ctx: RuleContext, authority: unknown, at: string): void {
  if (!isObject(authority)) return;
  checkActor(ctx, authority, at);
  // xAPI Data 2.4.9: an Agent, or in 3-legged OAuth a Group of exactly two Agents (application and user).
  if (authority['objectType'] === 'Group') {
    const members = authority['member'];
    if (!Array.isArray(members) || members.length !== 2) {
      ctx.report(
        childPointer(at, 'member'),
        'authority.group-of-two',
        'An authority that is a Group must have exactly two member Agents, the OAuth application and the user (xAPI Data 2.4.9).',
      );
    }
    // The pair stands for an application acting for a user, not for a group with an identity of its
    // own: an identified Group is no OAuth authority (ADL XAPI-00098, XAPI-00100).
    const ifi = IFI_KEYS.find((key) => authority[key] !== undefined);
    if (ifi !== undefined) {
      ctx.report(
        childPointer(at, ifi),
        'authority.group-anonymous',
        'An authority that is a Group must be an Anonymous Group (no mbox, mbox_sha1sum, openid or account) of the OAuth application and the user (xAPI Data 2.4.9).',
      );
    }
  }
}

function checkStatementBody(ctx: RuleContext, statement: Json, at: string, isSubStatement: boolean): void {
  checkActor(ctx, statement['actor'], childPointer(at, 'actor'));
  const object = statement['object'];
  const objectAt = childPointer(at, 'object');
  const verb = statement['verb'];
  if (!isSubStatement && isObject(verb) && verb['id'] === VOIDED_VERB_ID) {
    // xAPI Data 2.3.2: the Object of a voiding Statement is a StatementRef naming the voided Statement.
    if (!isObject(object) || object['objectType'] !== 'StatementRef') {
      ctx.report(
        objectAt,
        'voiding.object-must-be-statement-ref',
        "A Statement with the verb 'http://adlnet.gov/expapi/verbs/voided' must have a StatementRef as its Object (xAPI Data 2.3.2).",
      );
    }
  }
  if (isObject(object)) {
    const objectType = object['objectType'];
    if (objectType === 'Agent' || objectType === 'Group') checkActor(ctx, object, objectAt);
    else if (objectType === 'SubStatement') {
      if (!isSubStatement) checkStatementBody(ctx, object, objectAt, true);
    } else if (objectType === undefined || objectType === 'Activity') checkActivity(ctx, object, objectAt);
  }
  checkContext(ctx, statement['context'], childPointer(at, 'context'), object);
  checkScore(ctx, statement['result'], childPointer(at, 'result'));
  if (!isSubStatement) checkAuthority(ctx, statement['authority'], childPointer(at, 'authority'));
}

export function statementRuleIssues(
  statement: unknown,
  version: XapiVersion,
  prefix = '',
): ValidationIssue[] {
  if (!isObject(statement)) return [];
  const ctx = new RuleContext(version);
  checkStatementBody(ctx, statement, prefix, false);
  return ctx.issues;
}

export function actorRuleIssues(actor: unknown, version: XapiVersion, prefix = ''): ValidationIssue[] {
  const ctx = new RuleContext(version);
  checkActor(ctx, actor, prefix);
  return ctx.issues;
}
