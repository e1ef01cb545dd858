import type { Redis } from 'ioredis';

/**
 * A Redis client for shared throttling and live updates; commands fail fast rather than queue forever.
 * ioredis is loaded only when Redis is configured, so a default install does not carry it in memory.
 */
export async function createRedis(url: string): Promise<Redis> {
  const { Redis } = await import('ioredis');
  return new Redis(url, { maxRetriesPerRequest: 2, enableOfflineQueue: true, lazyConnect: false });
}

export type { Redis };
