/**
 * Development outbox: messages go to the store's outbox table instead of the network, so every
 * server process sharing the store sees them. Demo mode shows them at GET /api/dev/outbox.
 * Never used outside demo mode: the outbox would hold live reset tokens in clear text.
 */
import type { Store } from '../store/types.js';
import type { Mailer } from './types.js';

export function outboxMailer(store: Store, now: () => number): Mailer {
  return {
    description: 'development outbox (GET /api/dev/outbox)',
    async send(message) {
      await store.addOutboxMessage(
        { to: message.to, subject: message.subject, text: message.text, ...(message.html === undefined ? {} : { html: message.html }) },
        now(),
      );
    },
  };
}

/** A mailer that sends nothing (no SMTP configured outside demo mode); it only warns, without content. */
export function disabledMailer(warn: (message: string) => void): Mailer {
  return {
    description: 'none (set AUTH_SMTP_URL to send mail)',
    async send() {
      warn('a mail was not sent: no AUTH_SMTP_URL is configured');
    },
  };
}
