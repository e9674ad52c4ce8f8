import { filterLanguageMap } from './accept-language';
import type {
  Activity,
  ActivityDefinition,
  Actor,
  Agent,
  Context,
  ContextActivities,
  Group,
  InteractionComponent,
  LanguageMap,
  Statement,
  StatementObject,
  SubStatement,
  Verb,
} from './types';

export type StatementFormat = 'exact' | 'ids' | 'canonical';

export interface CanonicalSources {
  /** The LRS's canonical definition of an Activity, when it keeps one (xAPI Data 2.4.4.1). */
  activityDefinition?: (activityId: string) => ActivityDefinition | undefined;
  /** The LRS's canonical display of a Verb, when it keeps one (xAPI Data 2.4.3). */
  verbDisplay?: (verbId: string) => LanguageMap | undefined;
}

interface Formatter {
  actor(actor: Actor): Actor;
  verb(verb: Verb): Verb;
  activity(activity: Activity): Activity;
}

const CONTEXT_KINDS = ['parent', 'grouping', 'category', 'other'] as const;

function ifiOnly(agent: Agent | Group): Agent | Group {
  const ifi: Partial<Agent> = {};
  if (agent.mbox !== undefined) ifi.mbox = agent.mbox;
  else if (agent.mbox_sha1sum !== undefined) ifi.mbox_sha1sum = agent.mbox_sha1sum;
  else if (agent.openid !== undefined) ifi.openid = agent.openid;
  else if (agent.account !== undefined) ifi.account = agent.account;
  return agent.objectType === 'Group' ? { objectType: 'Group', ...ifi } : { objectType: 'Agent', ...ifi };
}

// Communication 2.1.3 format=ids: only what identifies Agents, Groups, Activities and Verbs; for an
// Anonymous Group, what identifies each member.
const idsFormatter: Formatter = {
  actor(actor) {
    if (actor.objectType === 'Group') {
      const identified = ifiOnly(actor);
      if (Object.keys(identified).length > 1) return identified;
      return { objectType: 'Group', member: (actor.member ?? []).map((m) => ifiOnly(m) as Agent) };
    }
    return ifiOnly(actor);
  },
  verb: (verb) => ({ id: verb.id }),
  // The id alone identifies an Activity (its objectType is optional and defaults to Activity, Data 2.4.4.1);
  // the ADL suite (XAPI-00171) counts exactly one key.
  activity: (activity) => ({ id: activity.id }),
};

function canonicalFormatter(acceptLanguages: readonly string[], sources: CanonicalSources): Formatter {
  const filter = (map: LanguageMap | undefined): LanguageMap | undefined =>
    map === undefined ? undefined : filterLanguageMap(map, acceptLanguages);
  const components = (list: InteractionComponent[] | undefined): InteractionComponent[] | undefined =>
    list?.map((c) => (c.description ? { ...c, description: filter(c.description)! } : c));
  return {
    actor: (actor) => actor,
    verb(verb) {
      const display = sources.verbDisplay?.(verb.id) ?? verb.display;
      return display === undefined ? { id: verb.id } : { id: verb.id, display: filter(display)! };
    },
    activity(activity) {
      // Communication 2.1.3 "Language Filtering Requirements": one language in name, description and the
      // interaction components' descriptions.
      const definition = sources.activityDefinition?.(activity.id) ?? activity.definition;
      if (definition === undefined) return activity;
      const out: ActivityDefinition = { ...definition };
      if (out.name) out.name = filter(out.name)!;
      if (out.description) out.description = filter(out.description)!;
      for (const list of ['choices', 'scale', 'source', 'target', 'steps'] as const) {
        if (out[list]) out[list] = components(out[list]);
      }
      return { ...activity, definition: out };
    },
  };
}

const exactFormatter: Formatter = { actor: (a) => a, verb: (v) => v, activity: (a) => a };

function formatContextActivities(ca: ContextActivities, f: Formatter): ContextActivities {
  const out: ContextActivities = {};
  for (const kind of CONTEXT_KINDS) {
    const value = ca[kind];
    if (value === undefined) continue;
    // xAPI Data 2.4.6.2: always returned as an array.
    out[kind] = (Array.isArray(value) ? value : [value]).map((a) => f.activity(a));
  }
  return out;
}

function formatContext(context: Context, f: Formatter): Context {
  const out: Context = { ...context };
  if (out.instructor) out.instructor = f.actor(out.instructor);
  if (out.team) out.team = f.actor(out.team) as Group;
  if (out.contextActivities) out.contextActivities = formatContextActivities(out.contextActivities, f);
  if (out.contextAgents)
    out.contextAgents = out.contextAgents.map((c) => ({ ...c, agent: f.actor(c.agent) as Agent }));
  if (out.contextGroups)
    out.contextGroups = out.contextGroups.map((c) => ({ ...c, group: f.actor(c.group) as Group }));
  return out;
}

function formatObject(object: StatementObject, f: Formatter): StatementObject {
  switch (object.objectType) {
    case 'Agent':
    case 'Group':
      return f.actor(object);
    case 'StatementRef':
      return object;
    case 'SubStatement':
      return formatBody(object, f);
    default:
      return f.activity(object as Activity);
  }
}

function formatBody<T extends Statement | SubStatement>(statement: T, f: Formatter): T {
  const out = { ...statement, actor: f.actor(statement.actor), verb: f.verb(statement.verb) };
  out.object = formatObject(statement.object, f) as T['object'];
  if (statement.context) out.context = formatContext(statement.context, f);
  const authority = (statement as Statement).authority;
  if (authority) (out as Statement).authority = f.actor(authority);
  return out;
}

/**
 * A stored Statement as GET /statements returns it for the `format` parameter (xAPI Communication 2.1.3):
 * `exact` as received, `ids` reduced to identifiers, `canonical` with Activities and Verb displays from the
 * LRS's canonical sources (falling back to the Statement's own) and one language per language map chosen
 * by the Accept-Language ranges (most preferred first, see parseAcceptLanguage).
 */
export function formatStatement<T extends Statement>(
  statement: T,
  format: StatementFormat,
  acceptLanguages: readonly string[] = [],
  sources: CanonicalSources = {},
): T {
  const f =
    format === 'ids'
      ? idsFormatter
      : format === 'canonical'
        ? canonicalFormatter(acceptLanguages, sources)
        : exactFormatter;
  return formatBody(statement, f);
}
