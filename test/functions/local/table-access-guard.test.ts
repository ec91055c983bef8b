import { DynamoDBClient, GetItemCommand, PutItemCommand, QueryCommand, TransactWriteItemsCommand } from '@aws-sdk/client-dynamodb';
import { describe, expect, it } from 'vitest';
import { asFunction, guardTableAccess } from '../../../functions/local/table-access-guard.js';

// Nothing listens here: a request the guard lets through fails on the network instead, with another error.
const client = new DynamoDBClient({ endpoint: 'http://127.0.0.1:9', region: 'local', maxAttempts: 1, credentials: { accessKeyId: 'local', secretAccessKey: 'local' } });
guardTableAccess(client);

async function errorName(work: () => Promise<unknown>): Promise<string | undefined> {
  try {
    await work();
    return undefined;
  } catch (error) {
    return (error as Error).name;
  }
}

const put = (pk: string) => new PutItemCommand({ TableName: 'tollgate', Item: { pk: { S: pk }, sk: { S: 'X' } } });
const get = (pk: string) => new GetItemCommand({ TableName: 'tollgate', Key: { pk: { S: pk }, sk: { S: 'X' } } });

describe('the local stand-in for the leading-key conditions', () => {
  it('refuses what a function is not granted, as IAM would', async () => {
    expect(await errorName(() => asFunction('rate-deck', () => client.send(put('CREDENTIAL#abc'))))).toBe('AccessDeniedException');
    expect(await errorName(() => asFunction('authorizer', () => client.send(get('ACCOUNT#acme'))))).toBe('AccessDeniedException');
    expect(await errorName(() => asFunction('decisions', () => client.send(put('CALL#c1'))))).toBe('AccessDeniedException');
    const mixed = new TransactWriteItemsCommand({
      TransactItems: [{ Put: { TableName: 'tollgate', Item: { pk: { S: 'ACCOUNT#acme' }, sk: { S: 'STATE' } } } }, { Delete: { TableName: 'tollgate', Key: { pk: { S: 'CREDENTIAL#abc' }, sk: { S: 'CREDENTIAL' } } } }],
    });
    expect(await errorName(() => asFunction('policy', () => client.send(mixed)))).toBe('AccessDeniedException');
  });

  it('lets through what is granted, and work outside any function', async () => {
    const listing = new QueryCommand({ TableName: 'tollgate', IndexName: 'gsi1', KeyConditionExpression: 'gsi1pk = :pk', ExpressionAttributeValues: { ':pk': { S: 'DECISIONS#acme' } } });
    expect(await errorName(() => asFunction('decisions', () => client.send(listing)))).not.toBe('AccessDeniedException');
    expect(await errorName(() => asFunction('rate-deck', () => client.send(put('RATEDECK#v1'))))).not.toBe('AccessDeniedException');
    expect(await errorName(() => asFunction('authorizer', () => client.send(get('CREDENTIAL#abc'))))).not.toBe('AccessDeniedException');
    expect(await errorName(() => client.send(put('CREDENTIAL#abc')))).not.toBe('AccessDeniedException');
  });
});
