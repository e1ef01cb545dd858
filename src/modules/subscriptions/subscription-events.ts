// Live subscription status changes for the status page's event stream. Listeners in this process hear
// every publish at once; with Redis, every instance also hears what any other process (a worker, another
// web instance) publishes. Events are hints: the database stays the truth, and streams re-read it.
import { EventEmitter } from 'node:events';
import { randomUUID } from 'node:crypto';
import type { Redis } from '../../lib/redis.ts';

export interface SubscriptionEvent {
  subscriptionId: string;
  status: string;
  /** ISO-8601 UTC time of the change. */
  at: string;
}

export type SubscriptionEventListener = (event: SubscriptionEvent) => void;

export interface SubscriptionEvents {
  /** Never throws for a Redis outage: local listeners still hear it and streams re-read the database. */
  publish(event: SubscriptionEvent): Promise<void>;
  /** Returns the function that stops listening. */
  subscribe(subscriptionId: string, listener: SubscriptionEventListener): () => void;
  /** Resolves once the Redis subscription is live (at once without Redis). */
  ready(): Promise<void>;
  /** How many listeners wait on this subscription here (streams clean up after themselves). */
  listenerCount(subscriptionId: string): number;
  close(): Promise<void>;
}

export const SUBSCRIPTION_EVENTS_CHANNEL = 'cloudpass:subscription-events';

interface WireMessage extends SubscriptionEvent {
  /** The publishing instance, which has already told its own listeners. */
  origin: string;
}

export function createSubscriptionEvents(deps: { redis?: Redis; onError?: (error: unknown) => void } = {}): SubscriptionEvents {
  const { redis } = deps;
  const onError = deps.onError ?? (() => {});
  const instance = randomUUID();
  const emitter = new EventEmitter();
  // One listener per open event stream; thousands of watchers are normal, not a leak.
  emitter.setMaxListeners(0);

  const deliver = (event: SubscriptionEvent) => {
    emitter.emit(event.subscriptionId, { subscriptionId: event.subscriptionId, status: event.status, at: event.at });
  };

  // A connection in subscriber mode can do nothing else, hence a duplicate of the shared client.
  const subscriber = redis?.duplicate();
  let readyPromise: Promise<void> = Promise.resolve();
  if (subscriber) {
    subscriber.on('error', onError);
    subscriber.on('message', (_channel: string, text: string) => {
      const message = parseWireMessage(text);
      if (message && message.origin !== instance) deliver(message);
    });
    readyPromise = subscriber.subscribe(SUBSCRIPTION_EVENTS_CHANNEL).then(() => undefined, (error: unknown) => onError(error));
  }

  async function publish(event: SubscriptionEvent): Promise<void> {
    deliver(event);
    if (!redis) return;
    const message: WireMessage = { ...event, origin: instance };
    try {
      await redis.publish(SUBSCRIPTION_EVENTS_CHANNEL, JSON.stringify(message));
    } catch (error) {
      onError(error);
    }
  }

  function subscribe(subscriptionId: string, listener: SubscriptionEventListener): () => void {
    emitter.on(subscriptionId, listener);
    return () => { emitter.off(subscriptionId, listener); };
  }

  async function close(): Promise<void> {
    emitter.removeAllListeners();
    if (subscriber) {
      try {
        await subscriber.quit();
      } catch {
        subscriber.disconnect();
      }
    }
  }

  return { publish, subscribe, ready: () => readyPromise, listenerCount: (id) => emitter.listenerCount(id), close };
}

function parseWireMessage(text: string): WireMessage | undefined {
  try {
    const value = JSON.parse(text) as Partial<WireMessage>;
    if (typeof value.subscriptionId !== 'string' || typeof value.status !== 'string' || typeof value.at !== 'string') return undefined;
    return { subscriptionId: value.subscriptionId, status: value.status, at: value.at, origin: String(value.origin ?? '') };
  } catch {
    return undefined;
  }
}
