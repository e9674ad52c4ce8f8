/**
 * The layering rules of the monorepo (docs/ARCHITECTURE.md, decision 025), checked by
 * `pnpm check`: packages at the bottom, services beside each other, one composition root on top.
 */
/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: 'no-service-imports-another-service',
      comment:
        'A service imports packages, never another service: only the composition root (services/server) knows them all.',
      severity: 'error',
      from: { path: '^services/(?!server/)([^/]+)/src/' },
      to: { path: '^services/([^/]+)/', pathNot: '^services/$1/' },
    },
    {
      name: 'no-package-imports-a-service',
      comment: 'Packages are the bottom layer: they never import a service.',
      severity: 'error',
      from: { path: '^packages/' },
      to: { path: '^services/' },
    },
    {
      name: 'service-tests-use-only-their-service-and-the-server',
      comment:
        "A service's tests may start the assembled server (@lrs/server/testing), never another service's code.",
      severity: 'error',
      from: { path: '^services/(?!server/)([^/]+)/test/' },
      to: { path: '^services/([^/]+)/', pathNot: ['^services/$1/', '^services/server/'] },
    },
    {
      name: 'no-circular',
      comment:
        'No file imports another that imports it back, directly or through others (type-only imports included).',
      severity: 'error',
      from: {},
      to: { circular: true },
    },
    {
      name: 'no-dev-dependencies-in-src',
      comment: 'Running code never depends on a test-only package.',
      severity: 'error',
      from: { path: '^(packages|services)/[^/]+/src/' },
      to: { dependencyTypes: ['npm-dev'] },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '(^|/)node_modules/' },
    // Type-only imports are dependencies too: a cycle through them still ties two files together.
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    combinedDependencies: true,
    enhancedResolveOptions: {
      exportsFields: ['exports'],
      conditionNames: ['import', 'require', 'node', 'default', 'types'],
      extensions: ['.ts', '.js', '.json'],
    },
  },
};
