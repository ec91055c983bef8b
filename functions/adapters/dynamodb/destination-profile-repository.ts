/** Reads an account's destination profile; lifts automatic restrictions. */
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { marshall } from '@aws-sdk/util-dynamodb';
import { fromMicros } from '../../../domain/shared/money.js';
import { keys } from './keys.js';
import { queryPartition } from './query-partition.js';
import { auditPut } from './outbox.js';
import { transact } from './transactions.js';
import type { AuditEntry } from '../../../domain/audit/audit-entry.js';
import type { DestinationProfiles, ProfileRow } from '../../../domain/profiling/ports.js';
import { isCountryDestination } from '../../../domain/profiling/destinations.js';

export class DestinationProfileRepository implements DestinationProfiles {
  constructor(
    private readonly client: DynamoDBClient,
    private readonly tableName: string,
  ) {}

  async profile(accountId: string): Promise<ProfileRow[]> {
    const items = await queryPartition(this.client, this.tableName, keys.profileOf(accountId));
    return items.map((item) => {
      const sk = String(item.sk);
      return {
        dimension: sk.startsWith('C#') ? 'country' : 'prefix',
        key: sk.slice(2),
        country: String(item.country ?? ''),
        completedCalls: Number(item.completedCalls ?? 0),
        minutes: Math.round((Number(item.seconds ?? 0) / 60) * 100) / 100,
        spend: fromMicros(Number(item.spendMicros ?? 0)),
        firstCompletedAt: typeof item.firstCompletedAt === 'string' ? item.firstCompletedAt : null,
        lastCompletedAt: typeof item.lastCompletedAt === 'string' ? item.lastCompletedAt : null,
      };
    });
  }

  /**
   * Lifts an automatic restriction and records the reviewer's judgement: a country they unblock becomes known and
   * confirmed for the account (usual at any rate, its premium ranges included), so the same burst does not restrict
   * it again. Returns false when it was not restricted.
   */
  async unblock(accountId: string, destination: string, audit: AuditEntry): Promise<boolean> {
    const isCountry = isCountryDestination(destination);
    const outcome = await transact(this.client, [
      {
        Update: {
          TableName: this.tableName,
          Key: marshall(keys.account(accountId)),
          UpdateExpression: `DELETE restrictedDestinations :destination ADD #version :one${isCountry ? ', knownCountries :destination, confirmedCountries :destination' : ''}`,
          ConditionExpression: 'contains(restrictedDestinations, :name)',
          ExpressionAttributeNames: { '#version': 'version' },
          ExpressionAttributeValues: marshall({ ':destination': new Set([destination]), ':name': destination, ':one': 1 }),
        },
      },
      auditPut(this.tableName, audit),
    ]);
    // Only the account update has a condition: a refusal means the destination was not restricted.
    return outcome.ok;
  }
}
