/** Picks the mailer from the configuration. */
import type { ServerConfig } from '../config.js';
import type { Store } from '../store/types.js';
import { disabledMailer, outboxMailer } from './outbox.js';
import { smtpMailer } from './smtp.js';
import type { Mailer } from './types.js';

export type { MailMessage, Mailer } from './types.js';

/** Whether mail reaches people: SMTP is configured, or demo mode writes to the outbox. */
export function mailDelivers(config: Pick<ServerConfig, 'smtpUrl' | 'demo'>): boolean {
  return config.smtpUrl !== null || config.demo;
}

/**
 * SMTP when AUTH_SMTP_URL is set; else, in demo mode, the development outbox; else nothing is
 * sent (a warning is logged for each mail that could not go out).
 */
export function mailerFromConfig(
  config: Pick<ServerConfig, 'smtpUrl' | 'mailFrom' | 'demo'>,
  store: Store,
  now: () => number,
  warn: (message: string) => void,
): Mailer {
  if (config.smtpUrl !== null) return smtpMailer(config.smtpUrl, config.mailFrom);
  if (config.demo) return outboxMailer(store, now);
  return disabledMailer(warn);
}
