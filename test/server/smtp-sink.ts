/**
 * A real SMTP server process for the mail tests (the `smtp-server` package): listens on
 * 127.0.0.1, port 0, prints `LISTENING <port>` on stdout, and appends each received message as
 * one JSON line `{ "from", "to": [...], "subject", "raw" }` to the file named by argv[2].
 *
 *   node --import tsx test/server/smtp-sink.ts /tmp/mails.jsonl
 *
 * Accepts any AUTH PLAIN/LOGIN credentials and plain-text connections (loopback only).
 */
import fs from 'node:fs';
import { SMTPServer } from 'smtp-server';

const file = process.argv[2];
if (file === undefined) {
  console.error('usage: smtp-sink.ts OUTPUT_FILE');
  process.exit(2);
}

/** The decoded Subject header of a raw message (RFC 2047 encoded words of nodemailer). */
function subjectOf(raw: string): string {
  const head = raw.split(/\r?\n\r?\n/, 1)[0] ?? '';
  const m = /^Subject:(.*(?:\r?\n[ \t].*)*)/im.exec(head);
  if (m === null) return '';
  return m[1]!
    .replace(/\r?\n[ \t]/g, ' ')
    .trim()
    .replace(/=\?utf-8\?([bq])\?([^?]*)\?=/gi, (_, enc: string, text: string) =>
      enc.toLowerCase() === 'b'
        ? Buffer.from(text, 'base64').toString('utf8')
        : Buffer.from(text.replace(/_/g, ' ').replace(/=([0-9a-f]{2})/gi, (_m, h: string) => String.fromCharCode(parseInt(h, 16))), 'latin1').toString('utf8'),
    );
}

const server = new SMTPServer({
  secure: false,
  disabledCommands: ['STARTTLS'],
  authOptional: true,
  onAuth(_auth, _session, callback) {
    callback(null, { user: 'test' });
  },
  onData(stream, session, callback) {
    const chunks: Buffer[] = [];
    stream.on('data', (c: Buffer) => chunks.push(c));
    stream.on('end', () => {
      const raw = Buffer.concat(chunks).toString('utf8');
      const line = JSON.stringify({
        from: session.envelope.mailFrom === false ? '' : session.envelope.mailFrom.address,
        to: session.envelope.rcptTo.map((r) => r.address),
        subject: subjectOf(raw),
        raw,
      });
      fs.appendFileSync(file, `${line}\n`);
      callback();
    });
  },
});

server.listen(0, '127.0.0.1', () => {
  const address = server.server.address();
  const port = typeof address === 'object' && address !== null ? address.port : 0;
  process.stdout.write(`LISTENING ${port}\n`);
});

const stop = (): void => {
  server.close(() => process.exit(0));
};
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
