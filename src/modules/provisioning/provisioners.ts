// Provisioners turn a pending subscription into one the platform runs. The built-in one only waits a
// moment (demos, self-hosted trials); the webhook one asks the operator's platform, signed.
import { randomUUID } from 'node:crypto';
import { addMs } from '../../lib/clock.ts';
import type { DisableReason } from '../subscriptions/subscriptions.service.ts';
import { signPayload } from './webhook-signature.ts';

/** What the platform is told about a subscription to provision. */
export interface SubscriptionForPlatform {
  id: string;
  offer: string;
  accountId: string;
  redemptionId: string | null;
  profile: Record<string, unknown>;
  credit: { amount: number; currency: string };
  validityDays: number;
  createdAt: string;
  /** The platform's id once provisioned (null before). */
  externalId: string | null;
}

export interface ProvisionRequest {
  /** Stable across every retry of one provisioning: the webhook's `id` and `Idempotency-Key`. */
  requestId: string;
  createdAt: string;
  subscription: SubscriptionForPlatform;
  /** When this provisioning was first tried. */
  firstAttemptAt: Date;
  now: Date;
  signal?: AbortSignal;
}

export type ProvisionOutcome =
  | { kind: 'provisioned'; externalId: string }
  /** The platform took the request and will confirm through POST /subscriptions/{id}/provisioned. */
  | { kind: 'accepted' }
  /** Not yet: ask again at `at`. */
  | { kind: 'later'; at: Date };

/** A subscription the platform must stop (cancelled in cloudpass). */
export interface DisableRequest {
  /** Stable across every retry: the webhook's `id` and `Idempotency-Key`. */
  requestId: string;
  createdAt: string;
  /** Why: sent as the webhook's top-level `reason`. */
  reason: DisableReason;
  subscription: SubscriptionForPlatform;
  signal?: AbortSignal;
}

/** A subscription the platform must delete (the retention period after it stopped is over). */
export interface DeleteRequest {
  /** Stable across every retry: the webhook's `id` and `Idempotency-Key`. */
  requestId: string;
  createdAt: string;
  subscription: SubscriptionForPlatform;
  signal?: AbortSignal;
}

export interface Provisioner {
  readonly name: 'builtin' | 'webhook';
  /** Throws when the try failed and should be retried. */
  provision(request: ProvisionRequest): Promise<ProvisionOutcome>;
  /** Stops the subscription on the platform; throws when the try failed and should be retried. */
  disable(request: DisableRequest): Promise<void>;
  /** Deletes it on the platform; throws when the try failed and should be retried. */
  remove(request: DeleteRequest): Promise<void>;
}

export class ProvisioningError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ProvisioningError';
  }
}

/** Activates `delayMs` after the first try; the job is put back until then rather than sleeping. */
export function createBuiltinProvisioner(options: { delayMs: number }): Provisioner {
  return {
    name: 'builtin',
    async provision(request) {
      const readyAt = addMs(request.firstAttemptAt, options.delayMs);
      if (request.now < readyAt) return { kind: 'later', at: readyAt };
      return { kind: 'provisioned', externalId: `builtin-${randomUUID()}` };
    },
    async disable() {
      // Nothing runs anywhere for a built-in subscription: there is nothing to stop.
    },
    async remove() {
      // Nor anything to delete.
    },
  };
}

export const DEFAULT_WEBHOOK_TIMEOUT_MS = 10_000;
const MAX_EXTERNAL_ID_LENGTH = 200;

export function createWebhookProvisioner(options: {
  url: string; secret: string; timeoutMs?: number; nowSeconds?: () => number;
}): Provisioner {
  const timeoutMs = options.timeoutMs ?? DEFAULT_WEBHOOK_TIMEOUT_MS;
  const nowSeconds = options.nowSeconds ?? (() => Math.floor(Date.now() / 1000));

  /** One signed POST of `type` about a subscription; the answer's status and body, or a ProvisioningError. */
  async function send(
    type: string, request: { requestId: string; createdAt: string; subscription: SubscriptionForPlatform; signal?: AbortSignal },
    extra: Record<string, unknown> = {},
  ) {
    const body = JSON.stringify({ id: request.requestId, type, createdAt: request.createdAt, ...extra, subscription: request.subscription });
    const timeout = AbortSignal.timeout(timeoutMs);
    let response: Response;
    try {
      response = await fetch(options.url, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          accept: 'application/json',
          'user-agent': 'cloudpass-provisioner',
          'cloudpass-signature': signPayload(options.secret, body, nowSeconds()),
          'idempotency-key': request.requestId,
        },
        body,
        redirect: 'error',
        signal: request.signal ? AbortSignal.any([timeout, request.signal]) : timeout,
      });
    } catch (error) {
      if (timeout.aborted) throw new ProvisioningError(`the provisioning webhook did not answer within ${timeoutMs} ms`);
      throw new ProvisioningError(`the provisioning webhook could not be reached: ${describeFetchError(error)}`);
    }
    const text = await readBody(response, timeout, timeoutMs);
    if (response.status < 200 || response.status > 299) {
      throw new ProvisioningError(`the provisioning webhook answered ${response.status}${text ? `: ${text.slice(0, 200)}` : ''}`);
    }
    return { status: response.status, text };
  }

  return {
    name: 'webhook',
    async provision(request) {
      const { status, text } = await send('subscription.provision', request);
      const externalId = externalIdOf(text);
      if (externalId) return { kind: 'provisioned', externalId };
      if (status === 202) return { kind: 'accepted' };
      throw new ProvisioningError(`the provisioning webhook answered ${status} without an externalId`);
    },
    async disable(request) {
      await send('subscription.disable', request, { reason: request.reason });
    },
    async remove(request) {
      await send('subscription.delete', request);
    },
  };
}

async function readBody(response: Response, timeout: AbortSignal, timeoutMs: number): Promise<string> {
  try {
    return await response.text();
  } catch (error) {
    if (timeout.aborted) throw new ProvisioningError(`the provisioning webhook did not finish its answer within ${timeoutMs} ms`);
    throw new ProvisioningError(`the provisioning webhook's answer could not be read: ${describeFetchError(error)}`);
  }
}

function externalIdOf(text: string): string | undefined {
  if (!text) return undefined;
  try {
    const value = (JSON.parse(text) as { externalId?: unknown } | null)?.externalId;
    return typeof value === 'string' && value.trim() !== '' && value.length <= MAX_EXTERNAL_ID_LENGTH ? value.trim() : undefined;
  } catch {
    return undefined;
  }
}

function describeFetchError(error: unknown): string {
  const cause = (error as { cause?: { code?: string; message?: string } } | null)?.cause;
  if (cause?.code) return cause.code;
  if (cause?.message) return cause.message;
  return error instanceof Error ? error.message : String(error);
}
