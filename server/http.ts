/**
 * Small HTTP helpers on top of node:http: bounded body reading, JSON/form parsing, JSON responses,
 * cookies, and the one error type every handler throws.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';

/**
 * An error that becomes a JSON response `{ error, error_description }` with `status`, plus any
 * machine-readable `details` (e.g. `{ reason: 'too_short', min: 15 }` of a refused password).
 */
export class HttpError extends Error {
  override readonly name = 'HttpError';
  readonly status: number;
  readonly code: string;
  readonly description: string;
  readonly headers: Readonly<Record<string, string>>;
  /** Answer with `Connection: close` (the request body was not read to its end). */
  readonly closeConnection: boolean;
  /** Extra members of the error body, next to `error` and `error_description`. */
  readonly details: Readonly<Record<string, string | number>>;

  constructor(
    status: number,
    code: string,
    description: string,
    options: { headers?: Record<string, string>; closeConnection?: boolean; details?: Record<string, string | number> } = {},
  ) {
    super(`${status} ${code}: ${description}`);
    this.status = status;
    this.code = code;
    this.description = description;
    this.headers = options.headers ?? {};
    this.closeConnection = options.closeConnection ?? false;
    this.details = options.details ?? {};
  }
}

export function payloadTooLarge(limit: number): HttpError {
  return new HttpError(413, 'payload_too_large', `The request body is larger than ${limit} bytes.`, {
    closeConnection: true,
  });
}

/**
 * Read the whole body, at most `limit` bytes. A declared Content-Length above the limit is refused
 * before reading anything; a longer chunked body is refused as soon as it crosses the limit, and
 * the rest is discarded (never buffered) until the connection closes after the 413.
 */
export function readBody(req: IncomingMessage, limit: number): Promise<Buffer> {
  const declared = req.headers['content-length'];
  if (declared !== undefined) {
    if (!/^\d{1,15}$/.test(declared)) {
      return Promise.reject(new HttpError(400, 'invalid_request', 'The Content-Length header is not a number.'));
    }
    if (Number(declared) > limit) return Promise.reject(payloadTooLarge(limit));
  }
  return new Promise<Buffer>((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let settled = false;
    const finish = (err: unknown, body?: Buffer): void => {
      if (settled) return;
      settled = true;
      req.off('data', onData);
      req.off('end', onEnd);
      req.off('error', onError);
      req.off('close', onClose);
      if (err !== undefined) reject(err);
      else resolve(body ?? Buffer.alloc(0));
    };
    const onData = (chunk: Buffer): void => {
      size += chunk.length;
      if (size > limit) {
        chunks.length = 0;
        // Keep the stream flowing into nowhere so the client can read our 413; the connection
        // is closed right after the answer, which ends the reading.
        req.resume();
        finish(payloadTooLarge(limit));
        return;
      }
      chunks.push(chunk);
    };
    const onEnd = (): void => finish(undefined, Buffer.concat(chunks, size));
    const onError = (err: Error): void => finish(new ClientGoneError(err.message));
    const onClose = (): void => finish(new ClientGoneError('request closed before its end'));
    req.on('data', onData);
    req.on('end', onEnd);
    req.on('error', onError);
    req.on('close', onClose);
  });
}

/** The client went away while we were reading; nobody is left to answer. */
export class ClientGoneError extends Error {
  override readonly name = 'ClientGoneError';
}

export type BodyFields = Readonly<Record<string, unknown>>;

/** The media type of the request, lower-case, without parameters; '' when absent. */
export function mediaType(req: IncomingMessage): string {
  const ct = req.headers['content-type'];
  if (ct === undefined) return '';
  return (ct.split(';')[0] ?? '').trim().toLowerCase();
}

export function isJsonType(type: string): boolean {
  return type === 'application/json' || /^application\/[a-z0-9.+-]+\+json$/.test(type);
}

/**
 * Read and parse a JSON or form-encoded body. Resolves `null` for an empty body. Non-empty bodies
 * of other types -> 415; invalid JSON -> 400 invalid_json; JSON that is not an object -> 400.
 * Ill-formed Unicode anywhere -> 400 invalid_request, never a silent U+FFFD: bytes that are not
 * UTF-8, a lone surrogate in a JSON string or key (`"\ud800"`, at any depth), a form escape that
 * decodes to invalid UTF-8 (`%FF`, `%ED%A0%80`).
 */
export async function readFields(req: IncomingMessage, limit: number): Promise<BodyFields | null> {
  const raw = await readBody(req, limit);
  if (raw.length === 0) return null;
  const type = mediaType(req);
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(raw);
  } catch {
    throw new HttpError(400, 'invalid_request', 'The request body is not valid UTF-8.');
  }
  if (isJsonType(type)) {
    if (text.trim() === '') return null;
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch {
      throw new HttpError(400, 'invalid_json', 'The request body is not valid JSON.');
    }
    if (typeof value !== 'object' || value === null || Array.isArray(value)) {
      throw new HttpError(400, 'invalid_request', 'The request body must be a JSON object.');
    }
    requireWellFormedJson(value as BodyFields);
    return value as BodyFields;
  }
  if (type === 'application/x-www-form-urlencoded') {
    const fields: Record<string, string> = Object.create(null) as Record<string, string>;
    for (const [key, value] of parseFormStrict(text)) {
      if (Object.hasOwn(fields, key)) {
        throw new HttpError(400, 'invalid_request', `The field "${safeName(key)}" is given more than once.`);
      }
      fields[key] = value;
    }
    return fields;
  }
  throw new HttpError(
    415,
    'unsupported_media_type',
    'The request body must be application/json or application/x-www-form-urlencoded.',
  );
}

/**
 * Ill-formed UTF-16: a lone surrogate. JSON escapes (`"\ud800"`) produce them; they would turn
 * into U+FFFD when hashed or stored as UTF-8, so "x\ud800" and "x\ufffd" would be one password.
 * With the `u` flag a surrogate PAIR is one code point, so only lone halves match.
 */
const LONE_SURROGATE = /\p{Cs}/u;

function illFormed(where: string): HttpError {
  return new HttpError(
    400,
    'invalid_request',
    `${where} is not well-formed Unicode (it contains a lone UTF-16 surrogate such as \\ud800); send valid Unicode text.`,
  );
}

/**
 * Refuse a parsed JSON body holding a lone surrogate in any string value or key, at any depth
 * (iterative: a deeply nested body cannot exhaust the stack). The error names the top-level field.
 */
function requireWellFormedJson(body: BodyFields): void {
  const stack: Array<{ value: unknown; field: string }> = [];
  for (const [key, value] of Object.entries(body)) {
    if (LONE_SURROGATE.test(key)) throw illFormed('A field name');
    stack.push({ value, field: key });
  }
  for (let item = stack.pop(); item !== undefined; item = stack.pop()) {
    const { value, field } = item;
    if (typeof value === 'string') {
      if (LONE_SURROGATE.test(value)) throw illFormed(`The field "${safeName(field)}"`);
    } else if (typeof value === 'object' && value !== null) {
      for (const [key, inner] of Object.entries(value)) {
        if (LONE_SURROGATE.test(key)) throw illFormed(`The field "${safeName(field)}"`);
        stack.push({ value: inner, field });
      }
    }
  }
}

const decodeUtf8Strict = (bytes: Uint8Array): string | null => {
  try {
    return new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(bytes);
  } catch {
    return null;
  }
};

const isHex = (b: number | undefined): boolean =>
  b !== undefined && ((b >= 0x30 && b <= 0x39) || (b >= 0x41 && b <= 0x46) || (b >= 0x61 && b <= 0x66));

/**
 * WHATWG percent-decoding of one name or value ("+" is a space; "%" not followed by two hex digits
 * stays a literal "%"), then STRICT UTF-8 decoding: bytes that are not UTF-8 (`%FF`, an encoded
 * surrogate `%ED%A0%80`, an overlong form) give null, where URLSearchParams would silently put
 * U+FFFD in their place.
 */
function percentDecodeStrict(s: string): string | null {
  const input = Buffer.from(s.replaceAll('+', ' '), 'utf8');
  if (!input.includes(0x25)) return s.replaceAll('+', ' ');
  const out = Buffer.alloc(input.length);
  let n = 0;
  for (let i = 0; i < input.length; i++) {
    const b = input[i]!;
    if (b === 0x25 && isHex(input[i + 1]) && isHex(input[i + 2])) {
      out[n++] = Number.parseInt(String.fromCharCode(input[i + 1]!, input[i + 2]!), 16);
      i += 2;
    } else {
      out[n++] = b;
    }
  }
  return decodeUtf8Strict(out.subarray(0, n));
}

/** application/x-www-form-urlencoded parsing (WHATWG order and rules) with strict UTF-8. */
function parseFormStrict(text: string): Array<[string, string]> {
  const pairs: Array<[string, string]> = [];
  for (const part of text.split('&')) {
    if (part === '') continue;
    const eq = part.indexOf('=');
    const name = percentDecodeStrict(eq === -1 ? part : part.slice(0, eq));
    if (name === null) throw new HttpError(400, 'invalid_request', 'A form field name is not valid UTF-8 once percent-decoded.');
    const value = percentDecodeStrict(eq === -1 ? '' : part.slice(eq + 1));
    if (value === null) {
      throw new HttpError(400, 'invalid_request', `The field "${safeName(name)}" is not valid UTF-8 once percent-decoded; send valid Unicode text.`);
    }
    pairs.push([name, value]);
  }
  return pairs;
}

/** A field name fit to echo in an error message. */
function safeName(name: string): string {
  return name.replace(/[^A-Za-z0-9_.-]/g, '?').slice(0, 40);
}

/** A required non-empty string field, or 400 invalid_request naming the field. */
export function requireString(fields: BodyFields | null, name: string, maxLength: number): string {
  const value = fields === null || !Object.hasOwn(fields, name) ? undefined : fields[name];
  if (value === undefined || value === null) {
    throw new HttpError(400, 'invalid_request', `The field "${name}" is required.`);
  }
  if (typeof value !== 'string') {
    throw new HttpError(400, 'invalid_request', `The field "${name}" must be a string.`);
  }
  if (value === '') {
    throw new HttpError(400, 'invalid_request', `The field "${name}" must not be empty.`);
  }
  if (value.length > maxLength) {
    throw new HttpError(400, 'invalid_request', `The field "${name}" is too long (at most ${maxLength} characters).`);
  }
  return value;
}

/** An optional field: `undefined` when absent. */
export function optionalField(fields: BodyFields | null, name: string): unknown {
  return fields === null || !Object.hasOwn(fields, name) ? undefined : fields[name];
}

export function sendJson(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Readonly<Record<string, string>> = {},
): void {
  const payload = Buffer.from(JSON.stringify(body), 'utf8');
  for (const [k, v] of Object.entries(headers)) res.setHeader(k, v);
  res.setHeader('Content-Type', 'application/json; charset=utf-8');
  res.setHeader('Content-Length', payload.length);
  res.writeHead(status);
  res.end(res.req.method === 'HEAD' ? undefined : payload);
}

export function sendEmpty(res: ServerResponse, status: number, headers: Readonly<Record<string, string>> = {}): void {
  for (const [k, v] of Object.entries(headers)) res.setHeader(k, v);
  res.writeHead(status);
  res.end();
}

export function sendError(res: ServerResponse, err: HttpError): void {
  if (err.closeConnection) res.setHeader('Connection', 'close');
  sendJson(res, err.status, { error: err.code, error_description: err.description, ...err.details }, err.headers);
}

/** Cookies of the request; the first value wins when a name repeats. */
export function parseCookies(req: IncomingMessage): Map<string, string> {
  const out = new Map<string, string>();
  const header = req.headers.cookie;
  if (header === undefined) return out;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq <= 0) continue;
    const name = part.slice(0, eq).trim();
    let value = part.slice(eq + 1).trim();
    if (value.startsWith('"') && value.endsWith('"') && value.length >= 2) value = value.slice(1, -1);
    if (!out.has(name)) out.set(name, value);
  }
  return out;
}

export interface CookieOptions {
  readonly secure: boolean;
  /** Seconds; 0 deletes the cookie. */
  readonly maxAge: number;
}

/**
 * `name=value; HttpOnly; Secure; Path=/; SameSite=Strict; Max-Age=n` — never a Domain, so the
 * cookie stays host-only (a requirement of the `__Host-` prefix).
 */
export function serializeCookie(name: string, value: string, options: CookieOptions): string {
  if (!/^[A-Za-z0-9_.-]*$/.test(value)) throw new Error('cookie value must be base64url (parts joined by ".")');
  const parts = [`${name}=${value}`, 'HttpOnly'];
  if (options.secure) parts.push('Secure');
  parts.push('Path=/', 'SameSite=Strict', `Max-Age=${Math.max(0, Math.floor(options.maxAge))}`);
  return parts.join('; ');
}

/** Append a Set-Cookie header without dropping earlier ones. */
export function appendSetCookie(res: ServerResponse, cookie: string): void {
  const prev = res.getHeader('Set-Cookie');
  const list = prev === undefined ? [] : Array.isArray(prev) ? prev : [String(prev)];
  res.setHeader('Set-Cookie', [...list, cookie]);
}

/** The Bearer token of the Authorization header, or null. */
export function bearerToken(req: IncomingMessage): string | null {
  const header = req.headers.authorization;
  if (header === undefined) return null;
  const m = /^Bearer +([^\s]+) *$/i.exec(header);
  return m?.[1] ?? null;
}
