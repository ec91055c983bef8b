/**
 * IAM's `dynamodb:LeadingKeys` conditions, stood in for on one machine: while a function's handler runs (the local
 * server names it, the local bus names the consumer), every DynamoDB request it sends is checked against the table
 * access declared for it (domain/contract/table-access.ts), and refused as AWS would refuse it
 * (`AccessDeniedException`). So `npm start`, the integration tests and the benchmarks prove the declarations that
 * infra turns into IAM. Work outside any function (the local stack's set-up, tests reading the table) is not checked.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import type { AttributeValue, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { INDEX_PARTITIONS, PARTITIONS, TABLE_ACCESS, type TableAccess, type TollgateFunctionName } from '../../domain/contract/table-access.js';

const running = new AsyncLocalStorage<string>();

/** Runs `work` as the function `name`: its DynamoDB requests are checked against its declared access. */
export function asFunction<T>(name: string, work: () => Promise<T>): Promise<T> {
  return running.run(name, work);
}

type Kind = 'read' | 'write' | 'delete' | 'query';
type Key = Record<string, AttributeValue> | undefined;

interface Touch {
  readonly kind: Kind;
  readonly partition: string | undefined;
}

const PATTERNS: Readonly<Record<Kind, (access: TableAccess) => string[]>> = {
  read: (access) => (access.read ?? []).map((family) => PARTITIONS[family]),
  write: (access) => (access.write ?? []).map((family) => PARTITIONS[family]),
  delete: (access) => (access.delete ?? []).map((family) => PARTITIONS[family]),
  query: (access) => (access.query ?? []).map((family) => INDEX_PARTITIONS[family]),
};

function matches(pattern: string, value: string): boolean {
  return new RegExp(`^${pattern.replace(/[.+?^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*')}$`).test(value);
}

const pkOf = (key: Key): string | undefined => key?.pk?.S;

/** The partition a Query names: the value compared with the (index's) partition key in its key condition. */
function queried(input: { KeyConditionExpression?: string; ExpressionAttributeValues?: Record<string, AttributeValue>; IndexName?: string }): Touch {
  const attribute = input.IndexName ? 'gsi1pk' : 'pk';
  const placeholder = new RegExp(`\\b${attribute}\\s*=\\s*(:\\w+)`).exec(input.KeyConditionExpression ?? '')?.[1];
  return { kind: input.IndexName ? 'query' : 'read', partition: placeholder ? input.ExpressionAttributeValues?.[placeholder]?.S : undefined };
}

/** What one request touches, by the kind of permission IAM checks it against. */
function touches(command: string, input: Record<string, unknown>): Touch[] {
  switch (command) {
    case 'GetItemCommand':
      return [{ kind: 'read', partition: pkOf(input.Key as Key) }];
    case 'PutItemCommand':
      return [{ kind: 'write', partition: pkOf(input.Item as Key) }];
    case 'UpdateItemCommand':
      return [{ kind: 'write', partition: pkOf(input.Key as Key) }];
    case 'DeleteItemCommand':
      return [{ kind: 'delete', partition: pkOf(input.Key as Key) }];
    case 'QueryCommand':
      return [queried(input)];
    case 'BatchGetItemCommand':
      return Object.values((input.RequestItems ?? {}) as Record<string, { Keys?: Key[] }>).flatMap((request) =>
        (request.Keys ?? []).map((key) => ({ kind: 'read' as const, partition: pkOf(key) })),
      );
    case 'TransactWriteItemsCommand':
      return ((input.TransactItems ?? []) as { Put?: { Item: Key }; Update?: { Key: Key }; Delete?: { Key: Key }; ConditionCheck?: { Key: Key } }[]).map((item) => {
        if (item.Put) return { kind: 'write' as const, partition: pkOf(item.Put.Item) };
        if (item.Delete) return { kind: 'delete' as const, partition: pkOf(item.Delete.Key) };
        return { kind: 'write' as const, partition: pkOf(item.Update?.Key ?? item.ConditionCheck?.Key) };
      });
    default:
      // Scan, table management and anything new: no function is granted it.
      return [{ kind: 'read', partition: undefined }];
  }
}

class AccessDeniedException extends Error {
  override readonly name = 'AccessDeniedException';
}

/** Installs the check on the client every local function shares. */
export function guardTableAccess(client: DynamoDBClient): void {
  client.middlewareStack.add(
    (next, context) => (args) => {
      const name = running.getStore();
      if (name !== undefined) {
        const access: TableAccess | undefined = TABLE_ACCESS[name as TollgateFunctionName];
        for (const touch of touches(context.commandName ?? '', args.input as Record<string, unknown>)) {
          const allowed = access !== undefined && touch.partition !== undefined && PATTERNS[touch.kind](access).some((pattern) => matches(pattern, touch.partition ?? ''));
          if (!allowed) {
            throw new AccessDeniedException(
              `${name} is not authorized to ${touch.kind} ${touch.partition ?? '(no partition)'} with ${context.commandName ?? 'a request'} (domain/contract/table-access.ts)`,
            );
          }
        }
      }
      return next(args);
    },
    { step: 'initialize', name: 'tollgateTableAccessGuard', priority: 'low' },
  );
}
