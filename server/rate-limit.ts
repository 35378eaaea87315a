/**
 * Login throttling (SECURITY 19). Failures are counted in the store (so several server processes
 * share them) per account and per client address. Below `maxFailures` nothing happens; from the
 * `maxFailures`-th failure on, the key is blocked for base * 2^(extra failures), capped — then the
 * next attempt is allowed again. Counters expire with their window: no permanent lockout.
 */
import type { RateLimitPolicy } from './config.js';
import type { FailureRecord, Store } from './store/types.js';

/** Block length (ms) after the failure that brought the count to `count`, or 0. */
export function blockDurationMs(count: number, policy: RateLimitPolicy): number {
  if (count < policy.maxFailures) return 0;
  const extra = Math.min(count - policy.maxFailures, 40);
  return Math.min(policy.baseDelaySeconds * 2 ** extra, policy.maxDelaySeconds) * 1000;
}

/** The failure counter after one more failure at `now` (pure; stores use it). */
export function nextFailure(prev: FailureRecord | null, key: string, now: number, policy: RateLimitPolicy): FailureRecord {
  const fresh = prev === null || now >= prev.windowStart + policy.windowSeconds * 1000;
  const count = fresh ? 1 : prev.count + 1;
  const windowStart = fresh ? now : prev.windowStart;
  const block = blockDurationMs(count, policy);
  return { key, count, windowStart, blockedUntil: block > 0 ? now + block : null };
}

export const accountKey = (normalizedUsername: string): string => `account:${normalizedUsername}`;
export const addressKey = (address: string): string => `address:${address}`;

export interface LoginThrottle {
  /** Seconds to wait (>= 1) when either key is blocked at `now`, else null. */
  retryAfter(keys: readonly string[], now: number): Promise<number | null>;
  fail(keys: { account: string; address: string }, now: number): Promise<void>;
  succeed(account: string): Promise<void>;
}

export function loginThrottle(store: Store, policies: { account: RateLimitPolicy; address: RateLimitPolicy }): LoginThrottle {
  return {
    async retryAfter(keys, now) {
      let until = 0;
      for (const key of keys) until = Math.max(until, (await store.getBlock(key, now)) ?? 0);
      return until > now ? Math.max(1, Math.ceil((until - now) / 1000)) : null;
    },
    async fail(keys, now) {
      await store.recordFailure(keys.account, now, policies.account);
      await store.recordFailure(keys.address, now, policies.address);
    },
    async succeed(account) {
      await store.clearFailures(account);
    },
  };
}
