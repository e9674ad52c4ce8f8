import type { LanguageMap } from '@lrs/xapi';
import type { Policy } from './policy';

/** The reference-data words a policy names (decision 076): categories and staff groups. */
export type TermKind = 'category' | 'staffGroup';

/** A term's title as a language map, from the given policies (the first that names it wins). */
export type TermTitles = (kind: TermKind, id: string) => LanguageMap | undefined;

/**
 * The titles of categories and staff groups that the given policies carry (`categoryTitles`,
 * `staffGroupTitles`), the first policy naming a term winning: pass a reader's policies in scope,
 * its own first (`policiesInScope`), so a jurisdiction's own words come before another's.
 */
export function termTitles(policies: Iterable<Policy>): TermTitles {
  const titles: Record<TermKind, Map<string, LanguageMap>> = { category: new Map(), staffGroup: new Map() };
  for (const policy of policies) {
    for (const [id, map] of Object.entries(policy.categoryTitles ?? {}))
      if (!titles.category.has(id)) titles.category.set(id, map);
    for (const [id, map] of Object.entries(policy.staffGroupTitles ?? {}))
      if (!titles.staffGroup.has(id)) titles.staffGroup.set(id, map);
  }
  return (kind, id) => titles[kind].get(id);
}
