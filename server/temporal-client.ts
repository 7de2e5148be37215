import { Client, Connection } from '@temporalio/client';
import { ConfigError } from '../config/env.js';

/** Connects once at start-up; an unreachable server ends start-up with one clear line. */
export async function connectTemporalClient(address: string, namespace: string): Promise<Client> {
  try {
    const connection = await Connection.connect({ address, connectTimeout: '5 seconds' });
    await connection.ensureConnected();
    return new Client({ connection, namespace });
  } catch (error) {
    throw new ConfigError(`cannot reach Temporal at ${address}: ${(error as Error).message.split('\n')[0]}`);
  }
}
