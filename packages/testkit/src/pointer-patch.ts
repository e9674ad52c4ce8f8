// Applies RFC 6901 pointer edits to a plain JSON value, so a test can break exactly one property.
export type Patch = { pointer: string; value: unknown } | { pointer: string; remove: true };

function tokens(pointer: string): string[] {
  if (pointer === '' || pointer === '/') return [];
  return pointer
    .slice(1)
    .split('/')
    .map((t) => t.replace(/~1/g, '/').replace(/~0/g, '~'));
}

export function applyPatch(root: unknown, patch: Patch): unknown {
  const path = tokens(patch.pointer);
  if (path.length === 0) return 'remove' in patch ? undefined : patch.value;
  let node = root as Record<string, unknown>;
  for (const token of path.slice(0, -1)) {
    if (typeof node[token] !== 'object' || node[token] === null) node[token] = {};
    node = node[token] as Record<string, unknown>;
  }
  const last = path[path.length - 1]!;
  if ('remove' in patch) {
    if (Array.isArray(node)) node.splice(Number(last), 1);
    else delete node[last];
  } else if (Array.isArray(node) && last === '-') node.push(patch.value);
  else node[last] = patch.value;
  return root;
}
