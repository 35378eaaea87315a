import { AuthError, isAbortError, type AuthErrorOptions } from './errors.js';
import { reasonOf } from './reason.js';

export { reasonOf };

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
    // CORS or mixed content may be why: the console says so, with the fix (loaded only then).
    if (error.code === 'network_error' && typeof location !== 'undefined') {
      import('./connection-hint.js').then((m) => m.warnConnection(url, location.href), () => {});
    }
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

/** Seconds to wait from a `Retry-After` header: delta-seconds or an HTTP date; undefined when absent, past or unreadable. */
function retryAfter(header: string | null): number | undefined {
  const seconds = Number(header) || Math.ceil((Date.parse(header ?? '') - Date.now()) / 1000);
  return seconds > 0 ? seconds : undefined;
}

/** The first of `values` that is a string. */
const firstString = (...values: unknown[]): string | undefined => values.find((value): value is string => typeof value === 'string');

/** The error for a non-2xx answer, keeping the server's `error`, `error_description` and status. */
export function errorFromResponse(response: JsonResponse, fallback: AuthError['code'], message: string): AuthError {
  const body = response.body ?? {};
  const error = firstString(body.error, body.code);
  const rawDescription = firstString(body.error_description, body.detail, body.message);
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
