// The usage events of the usage benchmark, the same for the HTTP side and the bare insert: `count` events
// in batches of `batchSize`, over `subscriptions`, with `duplicateShare` of them repeating an id sent
// earlier (an earlier batch, or earlier in the same batch). Deterministic: event n is always the same.

export interface BenchEvent {
  id: string;
  subscriptionId: string;
  amount: number;
  meter: string;
  occurredAt: string;
}

const METERS = ['compute', 'storage', 'network'];
const BASE = Date.parse('2026-12-01T00:00:00Z');

/** The event of unique index n: the same every time it is sent. */
export function eventOf(n: number, subscriptions: readonly string[]): BenchEvent {
  return {
    id: `bench-${n}`, subscriptionId: subscriptions[n % subscriptions.length]!, amount: 1 + (n % 97),
    meter: METERS[n % METERS.length]!, occurredAt: new Date(BASE + n * 1000).toISOString(),
  };
}

/** Batch b: its share of new events, and duplicates of ids already sent (none in the very first events). */
export function batchOf(b: number, batchSize: number, duplicateShare: number, subscriptions: readonly string[]): BenchEvent[] {
  const duplicates = Math.round(batchSize * duplicateShare);
  const fresh = batchSize - duplicates;
  const first = b * fresh;
  const events: BenchEvent[] = [];
  for (let i = 0; i < fresh; i++) events.push(eventOf(first + i, subscriptions));
  // Earlier ids, spread over everything sent so far (this batch's own first events for batch 0).
  const seen = first + fresh;
  for (let i = 0; i < duplicates; i++) events.push(eventOf((i * 7919 + b * 104729) % seen, subscriptions));
  return events;
}

/** How many distinct events `batches` batches hold, and the sum of their amounts: what must end up in the ledger. */
export function expectedTotals(batches: number, batchSize: number, duplicateShare: number): { events: number; sum: number } {
  const fresh = batchSize - Math.round(batchSize * duplicateShare);
  const events = batches * fresh;
  let sum = 0;
  for (let n = 0; n < events; n++) sum += 1 + (n % 97);
  return { events, sum };
}
