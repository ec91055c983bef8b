/**
 * Least privilege on the single table: each function's IAM is conditioned on the partition-key families it touches
 * (domain/contract/table-access.ts). These tests tie that declaration to the key builders and to the adapters each
 * composition root builds, and check what the synthesized templates grant, including the webhook secrets' KMS key.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { INDEX_PARTITIONS, PARTITIONS, TABLE_ACCESS, type IndexPartition, type Partition } from '../../domain/contract/table-access.js';
import { WEBHOOK_SECRET_PURPOSE } from '../../domain/contract/secrets.js';
import { keys } from '../../functions/adapters/dynamodb/keys.js';
import { readConfig } from '../../functions/shared/config.js';
import { STAGES } from '../../infra/config.js';
import { synthTollgate, type SynthesizedTollgate } from './synth-tollgate.js';

interface Statement {
  readonly Action: string | string[];
  readonly Resource: unknown;
  readonly Condition?: Record<string, Record<string, string[]>>;
}

const ROOT = join(import.meta.dirname, '..', '..');
/** Key builders whose value is a `gsi1pk`, not a table partition key. */
const INDEX_BUILDERS = new Set<keyof typeof keys>(['credentialsListing', 'decisionsByAccount', 'reviewsByStatus', 'activeBans']);
/** Stream actions the event source mapping grants the publisher; they name the stream, not table items. */
const STREAM_ACTIONS = new Set(['dynamodb:DescribeStream', 'dynamodb:GetRecords', 'dynamodb:GetShardIterator', 'dynamodb:ListStreams']);

function matches(pattern: string, value: string): boolean {
  return new RegExp(`^${pattern.replace(/[.+?^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*')}$`).test(value);
}

function actionsOf(statement: Statement): string[] {
  return Array.isArray(statement.Action) ? statement.Action : [statement.Action];
}

function leadingKeys(statement: Statement): string[] | undefined {
  return statement.Condition?.['ForAllValues:StringLike']?.['dynamodb:LeadingKeys'];
}

/** The partition key each builder makes, called with placeholder arguments. */
function builtPartitionKey(name: keyof typeof keys): string {
  const builder = keys[name] as (...args: unknown[]) => string | { pk: string };
  const built = builder('x', 'y', 'z');
  return typeof built === 'string' ? built : built.pk;
}

function familiesOf<T extends string>(families: Readonly<Record<T, string>>, pk: string): T[] {
  return (Object.entries(families) as [T, string][]).filter(([, pattern]) => matches(pattern, pk)).map(([family]) => family);
}

describe('the partition families', () => {
  it('cover every key builder: each partition key falls in exactly one family of the table or of gsi1', () => {
    for (const name of Object.keys(keys) as (keyof typeof keys)[]) {
      const pk = builtPartitionKey(name);
      const families = INDEX_BUILDERS.has(name) ? familiesOf(INDEX_PARTITIONS, pk) : familiesOf(PARTITIONS, pk);
      expect({ name, pk, families: families.length }).toEqual({ name, pk, families: 1 });
    }
  });
});

/**
 * What a function's composition root builds, read from its source: the DynamoDB adapters it imports (directly or
 * through the per-process caches), and in each adapter the key builders and transaction helpers it uses.
 */
const CACHE_ADAPTERS: Readonly<Record<string, string>> = {
  banListOf: 'ban-repository',
  referenceDataOf: 'reference-data-repository',
  knownPeersOf: 'peer-index-repository',
};
const HELPER_FAMILIES: Readonly<Record<string, Partition>> = { auditPut: 'audit', outboxPut: 'outbox', toEndMarkerPut: 'toEnd', peerIndexPut: 'peerIndex' };

function adaptersOf(functionName: string): string[] {
  const source = readFileSync(join(ROOT, 'functions', functionName, 'handler.ts'), 'utf8');
  const direct = [...source.matchAll(/from '\.\.\/adapters\/dynamodb\/([a-z-]+)\.js'/g)].map((match) => match[1] ?? '');
  const cached = Object.entries(CACHE_ADAPTERS)
    .filter(([cache]) => new RegExp(`\\b${cache}\\b`).test(source))
    .map(([, adapter]) => adapter);
  return [...new Set([...direct, ...cached])].filter((adapter) => adapter !== 'client');
}

function familiesUsedBy(adapter: string): { table: Set<Partition>; index: Set<IndexPartition> } {
  const source = readFileSync(join(ROOT, 'functions', 'adapters', 'dynamodb', `${adapter}.ts`), 'utf8');
  const table = new Set<Partition>();
  const index = new Set<IndexPartition>();
  for (const [, name] of source.matchAll(/\bkeys\.([a-zA-Z]+)\(/g)) {
    const builder = name as keyof typeof keys;
    const pk = builtPartitionKey(builder);
    if (INDEX_BUILDERS.has(builder)) familiesOf(INDEX_PARTITIONS, pk).forEach((family) => index.add(family));
    else familiesOf(PARTITIONS, pk).forEach((family) => table.add(family));
  }
  for (const [helper, family] of Object.entries(HELPER_FAMILIES)) if (new RegExp(`\\b${helper}\\(`).test(source)) table.add(family);
  return { table, index };
}

// Written at creation only (the aliases and the listing item), read only by the admin listing.
const ACCOUNT_ALIASES: readonly Partition[] = ['techPrefixAlias', 'sipUserAlias', 'accountListing'];
const ACCOUNT_CHANGES: readonly Partition[] = [...ACCOUNT_ALIASES, 'audit', 'outbox', 'toEnd', 'peerIndex'];

/**
 * Families an adapter keys in methods this function never calls, so its grant leaves them out. Each entry is a
 * reviewed narrowing: a new key in an adapter, or a new adapter in a root, fails the test until declared or listed.
 */
const NOT_TOUCHED: Readonly<Partial<Record<string, Readonly<Record<string, readonly (Partition | 'gsi1')[]>>>>> = {
  // findByToken only: no listing by id, no audit. ('gsi1': never queries the index.)
  authorizer: { 'credential-repository': ['credentialById', 'audit', 'gsi1'] },
  // The live-call store's release only; the ban list from gsi1 only (listActive).
  authorize: { 'live-call-store': ['profile'], 'ban-repository': ['ban', 'authFailure', 'audit', 'outbox'] },
  // Only account creation writes the aliases.
  policy: { 'account-repository': ACCOUNT_ALIASES },
  'carrier-policy': { 'account-repository': ACCOUNT_ALIASES },
  'account-status': { 'account-repository': ACCOUNT_ALIASES },
  credits: { 'account-repository': ACCOUNT_ALIASES },
  destinations: { 'account-repository': ACCOUNT_ALIASES },
  // Clearing a carrier review: get and lift of the range-watch repository only (no counting, no restricting).
  reviews: { 'account-repository': ACCOUNT_ALIASES, 'range-watch-repository': ['rangeWatch', 'outbox'] },
  'review-flagger': { 'account-repository': ACCOUNT_ALIASES, 'review-repository': ['gsi1'] },
  'auto-replenish': { 'account-repository': ACCOUNT_ALIASES },
  // accounts.get only; the decision key is only the cursor's shape (listing reads gsi1).
  decisions: { 'account-repository': ACCOUNT_CHANGES, 'decision-repository': ['decision'] },
  credentials: { 'account-repository': ACCOUNT_CHANGES },
  audit: { 'account-repository': ACCOUNT_CHANGES },
  'webhook-secret': { 'account-repository': ACCOUNT_CHANGES },
  // accounts.get; a secret is created at first need, never rotated (rotation is audited) here.
  notifier: { 'account-repository': ACCOUNT_CHANGES, 'webhook-secret-repository': ['audit'] },
  // The to-end list and account views: no profile.
  calls: { 'live-call-store': ['profile'] },
  // get, state, lift, listActive: failures are counted by auth-failures only.
  bans: { 'ban-repository': ['authFailure', 'outbox'] },
  // Read-only: accounts.get, the completions of the span's calls (loadCalls), the peer index's list of accounts.
  'what-if': { 'account-repository': ACCOUNT_CHANGES, 'live-call-store': ['profile', 'toEnd'] },
  // listActive, get and lift only: the counting (window items) and the restriction's event belong to range-watch.
  // Of the reviews, get only (a lift closes the range's carrier review through range-watch-repository's write).
  'range-restrictions': { 'range-watch-repository': ['rangeWatch', 'outbox'], 'review-repository': ['account', 'consumedEvent', 'outbox', 'toEnd', 'gsi1'] },
};

describe('the declared table access', () => {
  const functionsWithTable = (Object.keys(TABLE_ACCESS) as (keyof typeof TABLE_ACCESS)[]).filter((name) => name !== 'stream-publisher');

  it.each(functionsWithTable)('of %s covers every partition its adapters key', (name) => {
    const access = TABLE_ACCESS[name];
    const declared = new Set<string>([...(access.read ?? []), ...(access.write ?? []), ...(access.delete ?? [])]);
    const declaredIndex = new Set<string>(access.query ?? []);
    for (const adapter of adaptersOf(name)) {
      const used = familiesUsedBy(adapter);
      // An adapter that only writes through gsi1 (a listing item) keys the index without querying it: only a Query needs the grant.
      const unused = new Set<string>(NOT_TOUCHED[name]?.[adapter] ?? []);
      expect({ adapter, missing: [...used.table].filter((family) => !declared.has(family) && !unused.has(family)) }).toEqual({ adapter, missing: [] });
      const queries = /IndexName: 'gsi1'/.test(readFileSync(join(ROOT, 'functions', 'adapters', 'dynamodb', `${adapter}.ts`), 'utf8'));
      if (queries && !unused.has('gsi1')) expect({ adapter, index: [...used.index].some((family) => declaredIndex.has(family)) }).toEqual({ adapter, index: true });
    }
  });
});

describe.each(STAGES)('the %s templates', (stage) => {
  let synth: SynthesizedTollgate;
  const statementsOf = (name: string): Statement[] => {
    const fn = synth.stateless.functions.get(name);
    if (!fn) throw new Error(`no function ${name}`);
    const policy = synth.statelessTemplate.toJSON().Resources[synth.stateless.getLogicalId(fn.role.node.findChild('DefaultPolicy').node.defaultChild as never)];
    return (policy?.Properties?.PolicyDocument as { Statement: Statement[] } | undefined)?.Statement ?? [];
  };
  const patternsFor = (name: string, action: string): string[] =>
    statementsOf(name)
      .filter((statement) => actionsOf(statement).includes(action))
      .flatMap((statement) => leadingKeys(statement) ?? ['*']);

  beforeAll(() => {
    synth = synthTollgate(stage);
  });

  it('declares table access for exactly the functions deployed', () => {
    expect([...synth.stateless.functions.keys()].sort()).toEqual(Object.keys(TABLE_ACCESS).sort());
  });

  it('gives no function a whole-table grant: every item action is conditioned on its leading keys', () => {
    for (const name of synth.stateless.functions.keys()) {
      for (const statement of statementsOf(name)) {
        const itemActions = actionsOf(statement).filter((action) => action.startsWith('dynamodb:') && !STREAM_ACTIONS.has(action));
        if (itemActions.length === 0) continue;
        expect({ name, itemActions, leadingKeys: (leadingKeys(statement) ?? []).length > 0 }).toEqual({ name, itemActions, leadingKeys: true });
        expect(actionsOf(statement)).not.toContain('dynamodb:Scan');
      }
    }
  });

  it('grants each function exactly the partitions it declares, read-only where it only reads', () => {
    for (const [name, access] of Object.entries(TABLE_ACCESS)) {
      const sorted = (families: readonly string[] | undefined, table: Readonly<Record<string, string>>) => (families ?? []).map((family) => table[family]).sort();
      expect({ name, read: patternsFor(name, 'dynamodb:GetItem').sort() }).toEqual({ name, read: sorted(access.read, PARTITIONS) });
      expect({ name, write: patternsFor(name, 'dynamodb:PutItem').sort() }).toEqual({ name, write: sorted(access.write, PARTITIONS) });
      expect({ name, delete: patternsFor(name, 'dynamodb:DeleteItem').sort() }).toEqual({ name, delete: sorted(access.delete, PARTITIONS) });
    }
  });

  it('keeps the rate-deck function off credentials and the authorizer on credentials alone', () => {
    const writable = patternsFor('rate-deck', 'dynamodb:PutItem');
    expect(writable.length).toBeGreaterThan(0);
    for (const key of ['CREDENTIAL#0123abcd', 'CREDENTIALID#c-1', 'ACCOUNT#acme']) {
      expect(writable.some((pattern) => matches(pattern, key))).toBe(false);
      expect(patternsFor('rate-deck', 'dynamodb:UpdateItem').some((pattern) => matches(pattern, key))).toBe(false);
    }
    expect(patternsFor('authorizer', 'dynamodb:GetItem')).toEqual(['CREDENTIAL#*']);
    expect(patternsFor('authorizer', 'dynamodb:PutItem')).toEqual([]);
  });

  it('lets only the credentials function and the to-end list delete items, each its own partitions', () => {
    const deleters = [...synth.stateless.functions.keys()].filter((name) => patternsFor(name, 'dynamodb:DeleteItem').length > 0).sort();
    expect(deleters).toEqual(['calls', 'credentials']);
    expect(patternsFor('calls', 'dynamodb:DeleteItem')).toEqual(['TOEND']);
  });

  it('conditions gsi1 queries on the listing they read', () => {
    const indexQueries = (name: string) =>
      statementsOf(name)
        .filter((statement) => JSON.stringify(statement.Resource).includes('/index/'))
        .flatMap((statement) => leadingKeys(statement) ?? ['*']);
    expect(indexQueries('decisions')).toEqual(['DECISIONS#*']);
    expect(indexQueries('credentials')).toEqual(['CREDENTIALS']);
    expect(indexQueries('rate-deck')).toEqual([]);
  });

  it('keeps webhook secrets under a rotating customer-managed key, retained with the table', () => {
    const keysInStack = Object.values(synth.statefulTemplate.findResources('AWS::KMS::Key'));
    expect(keysInStack).toHaveLength(1);
    expect(keysInStack[0]).toMatchObject({ Properties: { EnableKeyRotation: true }, DeletionPolicy: stage === 'prod' ? 'Retain' : 'Delete' });
  });

  it('lets the webhook-secret function and the notifier encrypt, and only the notifier decrypt, for webhook secrets only', () => {
    const keyArn = synth.stateless.resolve(synth.stateful.webhookSecretKey.keyArn) as unknown;
    const withAction = (action: string) =>
      [...synth.stateless.functions.keys()].filter((name) => statementsOf(name).some((statement) => actionsOf(statement).includes(action))).sort();
    const kmsStatements = [...synth.stateless.functions.keys()].flatMap((name) =>
      statementsOf(name).filter((statement) => actionsOf(statement).some((action) => action.startsWith('kms:'))),
    );

    expect(withAction('kms:Decrypt')).toEqual(['notifier']);
    expect(withAction('kms:Encrypt')).toEqual(['notifier', 'webhook-secret']);
    expect(kmsStatements.flatMap(actionsOf).every((action) => action === 'kms:Encrypt' || action === 'kms:Decrypt')).toBe(true);
    for (const statement of kmsStatements) {
      expect(statement.Resource).toEqual(keyArn);
      expect(statement.Condition).toEqual({ StringEquals: { 'kms:EncryptionContext:purpose': WEBHOOK_SECRET_PURPOSE } });
    }
  });

  it('tells exactly those two functions to use KMS with that key, in a form their configuration accepts', () => {
    const functions = synth.statelessTemplate.findResources('AWS::Lambda::Function');
    const users = [...synth.stateless.functions.entries()]
      .filter(([, fn]) => {
        const variables = (functions[synth.stateless.getLogicalId(fn.function.node.defaultChild as never)]?.Properties as { Environment: { Variables: Record<string, unknown> } })
          .Environment.Variables;
        if (!('TOLLGATE_WEBHOOK_SECRET_KEY_ID' in variables)) return false;
        // References to the stateful stack stand for any value here.
        const environment = Object.fromEntries(Object.entries(variables).map(([name, value]) => [name, typeof value === 'string' ? value : `resolved-${name}`]));
        const config = readConfig({ ...environment, TOLLGATE_WEBHOOK_SECRET_KEY_ID: 'arn:aws:kms:us-east-1:111122223333:key/k' });
        expect(config.webhookSecretCipher).toEqual({ kind: 'kms', keyId: 'arn:aws:kms:us-east-1:111122223333:key/k' });
        return true;
      })
      .map(([name]) => name)
      .sort();
    expect(users).toEqual(['notifier', 'webhook-secret']);
  });

  it('gives the stream publisher the stream and no table item', () => {
    for (const statement of statementsOf('stream-publisher')) {
      const dynamo = actionsOf(statement).filter((action) => action.startsWith('dynamodb:'));
      for (const action of dynamo) expect(STREAM_ACTIONS).toContain(action);
    }
  });
});
