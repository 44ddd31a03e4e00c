/** Deployment choices of customer webhooks (until they are config variables, passed in by wiring and tests). */
export interface TWebhookOptions {
  /**
   * Allow subscription URLs and deliveries to loopback, private and link-local addresses. Off in production;
   * to become ASSENT_WEBHOOKS_ALLOW_PRIVATE.
   */
  allowPrivateUrls?: boolean;
  /** Timeout of one delivery attempt, connect to response headers (default 10 s). */
  timeoutMs?: number;
  /** A subscription whose every attempt failed for this long is disabled (default 5 days). */
  disableAfterMs?: number;
  /** Events, deliveries and their attempt log are deleted after this long (default 30 days). */
  logRetentionMs?: number;
}

export const DEFAULT_DELIVERY_TIMEOUT_MS = 10_000;
export const DEFAULT_DISABLE_AFTER_MS = 5 * 86_400_000;
export const DEFAULT_LOG_RETENTION_MS = 30 * 86_400_000;
