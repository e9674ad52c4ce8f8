import type { Sealed } from '@lrs/auth';
import type { CompletionStatus } from '@lrs/training';
import type { WebhookSubscription } from './subscription';

export const WEBHOOK_EVENT_PREFIX = 'connectors.webhook.';
export const SUBSCRIPTION_CONFIGURED = 'connectors.webhook.subscription.configured';
export const SUBSCRIPTION_DELETED = 'connectors.webhook.subscription.deleted';
export const DELIVERY_ATTEMPTED = 'connectors.webhook.delivery.attempted';

export const subscriptionStream = (id: string) => `webhook-subscription-${id}`;
export const deliveryStream = (subscriptionId: string) => `webhook-delivery-${subscriptionId}`;

export interface SubscriptionConfigured {
  /** The signing secret sealed (SecretBox); a plaintext string is an older event. */
  subscription: Omit<WebhookSubscription, 'secret'> & { secret: Sealed | string };
  by: string;
}

/** The JSON body POSTed to a subscriber. `id` is stable across retries: receivers de-duplicate by it. */
export interface CompletionStatusChanged {
  id: string;
  type: 'completion.status.changed';
  officialId: string;
  policyId: string;
  period: string;
  orgUnit: string | null;
  previousStatus: CompletionStatus | null;
  status: CompletionStatus;
  earnedHours: number;
  /** 1, 2, … per official × policy × period: the order of that official's changes. */
  sequence: number;
  detectedAt: string;
}

/** One POST and what came of it, appended to the log for every attempt. */
export interface DeliveryAttempted {
  subscriptionId: string;
  eventId: string;
  officialId: string;
  attempt: number;
  httpStatus: number | null;
  error: string | null;
  durationMs: number;
  outcome: 'delivered' | 'retry' | 'dead';
  nextAttemptAt: string | null;
}

declare module '@lrs/events' {
  interface EventPayloads {
    [SUBSCRIPTION_CONFIGURED]: SubscriptionConfigured;
  }
}
