// One mocha run for the whole workspace; TypeScript is loaded through tsx.
module.exports = {
  'node-option': ['import=tsx'],
  spec: [
    'packages/*/test/**/*.spec.ts',
    'services/*/test/**/*.spec.ts',
    'test/**/*.spec.ts',
  ],
  timeout: 20000,
  exit: true,
  reporter: process.env.CI ? 'dot' : 'spec',
};
