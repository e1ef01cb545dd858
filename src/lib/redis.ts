import { Redis } from 'ioredis';

/** A Redis client for shared throttling and live updates; commands fail fast rather than queue forever. */
export function createRedis(url: string): Redis {
  return new Redis(url, { maxRetriesPerRequest: 2, enableOfflineQueue: true, lazyConnect: false });
}

export type { Redis };
