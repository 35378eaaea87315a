/**
 * SMTP through nodemailer (a well-kept library; no hand-written SMTP). Configured by a URL:
 * `smtp://user:pass@host:587` (STARTTLS when the server offers it) or `smtps://...:465`
 * (TLS from the start). Add `?requireTLS=true` to refuse sending over an unencrypted link.
 */
import nodemailer from 'nodemailer';
import type { Mailer } from './types.js';

/** The URL without its password, for logs. */
export function redactSmtpUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password !== '') u.password = '***';
    return u.toString();
  } catch {
    return '(invalid SMTP URL)';
  }
}

export function smtpMailer(url: string, from: string): Mailer {
  const transport = nodemailer.createTransport(url);
  return {
    description: `SMTP ${redactSmtpUrl(url)}`,
    async send(message) {
      await transport.sendMail({
        from,
        to: message.to,
        subject: message.subject,
        text: message.text,
        ...(message.html === undefined ? {} : { html: message.html }),
        // Nothing that could let a value become a header: recipients are validated addresses,
        // subjects are fixed strings; nodemailer encodes headers itself.
        disableFileAccess: true,
        disableUrlAccess: true,
      });
    },
    async close() {
      transport.close();
    },
  };
}
