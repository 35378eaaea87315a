/** Mail behind one interface: SMTP in production, the development outbox in demo mode. */

export interface MailMessage {
  /** One recipient address (already validated). */
  readonly to: string;
  readonly subject: string;
  /** Plain-text body (always present). */
  readonly text: string;
  /** Simple HTML alternative; every interpolated value HTML-escaped by its template. */
  readonly html?: string;
}

export interface Mailer {
  /** Deliver one message, or reject. Callers log failures without the message body. */
  send(message: MailMessage): Promise<void>;
  /** Release connections (pooled SMTP). Optional. */
  close?(): Promise<void>;
  /** Short description for start-up logs ("smtp://host:587", "development outbox"), no secrets. */
  readonly description: string;
}
