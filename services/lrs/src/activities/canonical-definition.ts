import type { ActivityDefinition, InteractionComponent, LanguageMap, Statement } from '@lrs/xapi';

const COMPONENT_LISTS = ['choices', 'scale', 'source', 'target', 'steps'] as const;

/**
 * The canonical definition after one more definition is seen (xAPI Data 2.4.4.1, "Activity
 * Definition" LRS requirements): the newest wording wins and language maps are merged, so a
 * definition sent in a second language adds it instead of dropping the first. What the spec
 * calls significant (interactionType, correctResponsesPattern) is kept from the first
 * definition that set it ("SHOULD NOT make significant changes ... e.g. to correct responses").
 * Every Learning Record Provider is trusted to make these corrections (an authority policy
 * would go here).
 */
export function mergeDefinition(
  current: ActivityDefinition | undefined,
  seen: ActivityDefinition,
): ActivityDefinition {
  if (current === undefined) return structuredClone(seen);
  const out: ActivityDefinition = { ...current };
  if (seen.name) out.name = mergeMaps(current.name, seen.name);
  if (seen.description) out.description = mergeMaps(current.description, seen.description);
  if (seen.type !== undefined) out.type = seen.type;
  if (seen.moreInfo !== undefined) out.moreInfo = seen.moreInfo;
  if (current.interactionType === undefined && seen.interactionType !== undefined)
    out.interactionType = seen.interactionType;
  if (current.correctResponsesPattern === undefined && seen.correctResponsesPattern !== undefined)
    out.correctResponsesPattern = [...seen.correctResponsesPattern];
  for (const list of COMPONENT_LISTS) {
    const next = seen[list];
    if (next) out[list] = mergeComponents(current[list], next);
  }
  if (seen.extensions) out.extensions = { ...current.extensions, ...seen.extensions };
  return out;
}

function mergeMaps(current: LanguageMap | undefined, seen: LanguageMap): LanguageMap {
  return { ...current, ...seen };
}

/** Components keep the first list's ids and order; descriptions merge per id, new ids append. */
function mergeComponents(
  current: InteractionComponent[] | undefined,
  seen: InteractionComponent[],
): InteractionComponent[] {
  if (current === undefined) return structuredClone(seen);
  const out = current.map((c) => ({ ...c }));
  for (const component of seen) {
    const existing = out.find((c) => c.id === component.id);
    if (!existing) out.push(structuredClone(component));
    else if (component.description)
      existing.description = mergeMaps(existing.description, component.description);
  }
  return out;
}

/** Every Activity with a definition in a statement: object, context activities, sub-statement. */
export function activityDefinitionsIn(
  statement: Statement,
): { id: string; definition: ActivityDefinition }[] {
  const found: { id: string; definition: ActivityDefinition }[] = [];
  const visit = (part: { object?: unknown; context?: Statement['context'] } | undefined) => {
    if (!part) return;
    const object = part.object as
      | { objectType?: string; id?: string; definition?: ActivityDefinition }
      | undefined;
    if (object && (object.objectType === undefined || object.objectType === 'Activity') && object.definition)
      found.push({ id: object.id!, definition: object.definition });
    const ca = part.context?.contextActivities;
    for (const kind of ['parent', 'grouping', 'category', 'other'] as const) {
      const list = ca?.[kind];
      for (const a of Array.isArray(list) ? list : list ? [list] : []) {
        if (a.definition) found.push({ id: a.id, definition: a.definition });
      }
    }
  };
  visit(statement);
  const object = statement.object as { objectType?: string } | undefined;
  if (object?.objectType === 'SubStatement') visit(object as never);
  return found;
}
