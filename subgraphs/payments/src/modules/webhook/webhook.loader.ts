import { manyByKey } from '@pos/kit';
import type { WebhookAttempt } from './webhook.entity';
import type { WebhookService } from './webhook.service';

export const createWebhookLoaders = (service: WebhookService) => ({
  // Only ever asked for deliveries that were themselves read within the caller's scope.
  webhookAttempts: manyByKey<string, WebhookAttempt>(
    (ids) => service.attemptsOf(ids),
    (a) => a.deliveryId,
  ),
});
