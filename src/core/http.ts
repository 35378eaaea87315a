import { AuthError, isAbortError, type AuthErrorOptions } from './errors.js';

export interface JsonResponse {
  status: number;
  headers: Headers;
  /** The parsed JSON body; `{}` for an empty body; null when the body was not JSON. */
  body: Record<string, unknown> | null;
}

export interface RequestOptions {
  method: string;
  headers?: Record<string, string> | undefined;
  /** An object is sent as JSON or form-encoded, per `format`. */
  body?: Record<string, string> | undefined;
  format?: 'json' | 'form';
  credentials?: RequestCredentials;
  signal: AbortSignal;
  timeoutMs: number;
}

/**
 * One HTTP exchange with a JSON answer. Network failures, time-outs and cancellation become
 * AuthErrors with their own codes; the status is left to the caller, which knows what it means.
 */
export async function requestJson(fetchImpl: typeof fetch, url: string, options: RequestOptions): Promise<JsonResponse> {
  const headers: Record<string, string> = { Accept: 'application/json', ...options.headers };
  let body: string | undefined;
  if (options.body) {
    if (options.format === 'form') {
      headers['Content-Type'] = 'application/x-www-form-urlencoded';
      body = new URLSearchParams(options.body).toString();
    } else {
      headers['Content-Type'] = 'application/json';
      body = JSON.stringify(options.body);
    }
  }
  const timeout = AbortSignal.timeout(options.timeoutMs);
  const signal = AbortSignal.any([options.signal, timeout]);
  let response: Response;
  try {
    response = await fetchImpl(url, {
      method: options.method,
      headers,
      ...(body === undefined ? {} : { body }),
      credentials: options.credentials ?? 'same-origin',
      signal,
      redirect: 'error',
      cache: 'no-store',
    });
  } catch (err) {
    const error = networkError(err, options.signal, timeout);
    if (error.code === 'network_error') warnConnection(url);
    throw error;
  }
  let text: string;
  try {
    text = await response.text();
  } catch (err) {
    throw networkError(err, options.signal, timeout);
  }
  let parsed: Record<string, unknown> | null = null;
  if (text.trim() === '') parsed = {};
  else {
    try {
      const value: unknown = JSON.parse(text);
      parsed = typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : null;
    } catch {
      parsed = null;
    }
  }
  return { status: response.status, headers: response.headers, body: parsed };
}

function networkError(err: unknown, caller: AbortSignal, timeout: AbortSignal): AuthError {
  if (caller.aborted) return new AuthError('aborted', 'The operation was cancelled.', { cause: caller.reason });
  if (timeout.aborted) return new AuthError('timeout', 'The server took too long to answer.', { cause: err });
  if (isAbortError(err)) return new AuthError('aborted', 'The operation was cancelled.', { cause: err });
  return new AuthError('network_error', 'The server could not be reached.', { cause: err });
}

const warned = new Set<string>();

/**
 * Why a request to `url` from the page at `page` may fail in the browser before reaching the
 * server, with the fix: mixed content (an http: API from an https: page) or CORS (another origin);
 * null for a same-origin URL.
 */
export function connectionHint(url: string, page: string): string | null {
  const target = new URL(url, page);
  const here = new URL(page);
  if (target.protocol === 'http:' && here.protocol === 'https:') {
    return `${target.origin} is http: and this page is https:: the browser blocks it as mixed content. Serve the API over https:.`;
  }
  if (target.origin === here.origin) return null;
  return `${target.origin} is another origin than this page (${here.origin}): if its answers lack CORS headers (Access-Control-Allow-Origin: ${here.origin} and Access-Control-Allow-Credentials: true), the browser hides them. Allow this origin on the server (the reference server: AUTH_CORS_ORIGINS=${here.origin}).`;
}

/** A failed request (network_error): warn once per API origin if CORS or mixed content may be why. */
function warnConnection(url: string): void {
  if (typeof location === 'undefined') return;
  const hint = connectionHint(url, location.href);
  if (hint && !warned.has(hint)) {
    warned.add(hint);
    console.warn(`[auth-elements] The server could not be reached. ${hint}`);
  }
}

/** Seconds to wait from a `Retry-After` header: delta-seconds or an HTTP date; undefined when absent, past or unreadable. */
function retryAfter(header: string | null): number | undefined {
  if (!header) return undefined;
  const seconds = /^\s*\d+\s*$/.test(header) ? Number(header) : Math.ceil((Date.parse(header) - Date.now()) / 1000);
  return seconds > 0 ? seconds : undefined;
}

/** The machine-readable reason of a refusal in an error body (`reason`, with `min`/`max`), as AuthError options. */
export function reasonOf(body: { readonly reason?: unknown; readonly min?: unknown; readonly max?: unknown }): Pick<AuthErrorOptions, 'reason' | 'params'> {
  if (typeof body.reason !== 'string') return {};
  const params: Record<string, number> = {};
  for (const key of ['min', 'max'] as const) if (typeof body[key] === 'number') params[key] = body[key];
  return { reason: body.reason.slice(0, 64), params };
}

/** The error for a non-2xx answer, keeping the server's `error`, `error_description` and status. */
export function errorFromResponse(response: JsonResponse, fallback: AuthError['code'], message: string): AuthError {
  const body = response.body ?? {};
  const error = typeof body.error === 'string' ? body.error : typeof body.code === 'string' ? body.code : undefined;
  const rawDescription =
    typeof body.error_description === 'string'
      ? body.error_description
      : typeof body.detail === 'string'
        ? body.detail
        : typeof body.message === 'string'
          ? body.message
          : undefined;
  let code = fallback;
  if (response.status === 429) code = 'rate_limited';
  else if (response.status >= 500) code = 'server_error';
  const retry = retryAfter(response.headers.get('Retry-After'));
  const options: AuthErrorOptions = { status: response.status, ...reasonOf(body) };
  if (error !== undefined) options.error = error;
  if (rawDescription !== undefined) options.description = rawDescription.slice(0, 500);
  if (retry !== undefined) options.retryAfter = retry;
  const text =
    code === 'rate_limited'
      ? 'Too many attempts. Please wait and try again.'
      : code === 'server_error'
        ? 'The server had a problem. Please try again later.'
        : message;
  return new AuthError(code, text, options);
}
