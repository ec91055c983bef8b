/**
 * TransactWriteItems with the cancellation turned into data: which of the items failed its condition. Callers map
 * those indexes to domain outcomes (a duplicate event, a concurrent change) instead of catching exceptions.
 */
import { TransactWriteItemsCommand, TransactionCanceledException, type DynamoDBClient, type TransactWriteItem } from '@aws-sdk/client-dynamodb';

export type TransactOutcome = { readonly ok: true } | { readonly ok: false; readonly failedConditions: readonly number[] };

export async function transact(client: DynamoDBClient, items: readonly TransactWriteItem[]): Promise<TransactOutcome> {
  try {
    await client.send(new TransactWriteItemsCommand({ TransactItems: [...items] }));
    return { ok: true };
  } catch (error) {
    if (!(error instanceof TransactionCanceledException)) throw error;
    const reasons = error.CancellationReasons ?? [];
    const failedConditions = reasons.flatMap((reason, index) => (reason.Code === 'ConditionalCheckFailed' ? [index] : []));
    // Conflicts with another transaction in flight (TransactionConflict) are transient: let the caller's retry handle them.
    if (failedConditions.length === 0) throw error;
    return { ok: false, failedConditions };
  }
}
