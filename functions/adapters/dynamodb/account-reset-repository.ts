/**
 * The reset of an account's usage counters and automatic restrictions (domain/accounts/reset-account.ts): one
 * transaction of the account item's update (version-checked, version bumped), its audit record and its event.
 */
import { GetItemCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { marshall, unmarshall } from '@aws-sdk/util-dynamodb';
import type { AccountResetStore, ResetWrite } from '../../../domain/accounts/reset-account.js';
import type { AccountSnapshot } from '../../../domain/policy/authorize-call.js';
import { parseAccountItem } from './account-repository.js';
import { keys } from './keys.js';
import { counterReset, parseLedger } from './ledger-attributes.js';
import { auditPut, outboxPut } from './outbox.js';
import { transact } from './transactions.js';

export class AccountResetRepository implements AccountResetStore {
  constructor(
    private readonly client: DynamoDBClient,
    private readonly tableName: string,
  ) {}

  async read(accountId: string): Promise<AccountSnapshot | undefined> {
    const item = await this.item(accountId);
    return item ? { account: parseAccountItem(item), ledger: parseLedger(item) } : undefined;
  }

  async reset(accountId: string, write: ResetWrite): Promise<'reset' | 'conflict' | 'not-found'> {
    // The counters' names are read off the item itself, so that every counter kind it holds is cleared; the spend
    // buckets of calls still live keep their reservations (counterReset), or settling them would give extra room.
    const item = await this.item(accountId);
    if (!item) return 'not-found';
    if (Number(item.version ?? 1) !== write.expectedVersion) return 'conflict';
    const names: Record<string, string> = { '#version': 'version' };
    const values: Record<string, unknown> = { ':seen': write.expectedVersion, ':one': 1 };
    const reset = write.counters ? counterReset(item) : { remove: [], set: {} };
    const removes = reset.remove.map((attribute, index) => {
      names[`#c${index}`] = attribute;
      return `#c${index}`;
    });
    const sets = Object.entries(reset.set).map(([attribute, micros], index) => {
      names[`#s${index}`] = attribute;
      values[`:s${index}`] = micros;
      return `#s${index} = :s${index}`;
    });
    const adds = ['#version :one'];
    const deletes: string[] = [];
    if (write.liftDestinations.length > 0) {
      names['#restricted'] = 'restrictedDestinations';
      values[':lifted'] = new Set(write.liftDestinations);
      deletes.push('#restricted :lifted');
    }
    if (write.knownCountries.length > 0) {
      // A reviewer lifting a restriction vouches for the country, as DELETE /blocked-destinations does: known and confirmed.
      names['#known'] = 'knownCountries';
      names['#confirmed'] = 'confirmedCountries';
      values[':known'] = new Set(write.knownCountries);
      adds.push('#known :known', '#confirmed :known');
    }
    const expression = [
      `ADD ${adds.join(', ')}`,
      sets.length ? `SET ${sets.join(', ')}` : '',
      removes.length ? `REMOVE ${removes.join(', ')}` : '',
      deletes.length ? `DELETE ${deletes.join(', ')}` : '',
    ]
      .filter(Boolean)
      .join(' ');
    const outcome = await transact(this.client, [
      {
        Update: {
          TableName: this.tableName,
          Key: marshall(keys.account(accountId)),
          UpdateExpression: expression,
          ConditionExpression: 'attribute_exists(pk) AND #version = :seen',
          ExpressionAttributeNames: names,
          ExpressionAttributeValues: marshall(values),
        },
      },
      auditPut(this.tableName, write.audit),
      outboxPut(this.tableName, 'Account Reset', write.event),
    ]);
    return outcome.ok ? 'reset' : 'conflict';
  }

  private async item(accountId: string): Promise<Record<string, unknown> | undefined> {
    const result = await this.client.send(new GetItemCommand({ TableName: this.tableName, Key: marshall(keys.account(accountId)), ConsistentRead: true }));
    return result.Item ? unmarshall(result.Item) : undefined;
  }
}
