// A token bucket per source. Kept in this process: each API replica limits what reaches it,
// which is what protects it; a shared limit would cost a database round trip per delivery.

export interface RateLimiter {
  take(source: string, perMinute: number): { ok: true } | { ok: false; retryAfterSeconds: number };
}

export function createRateLimiter(now: () => number = Date.now): RateLimiter {
  const buckets = new Map<string, { tokens: number; at: number }>();
  return {
    take(source, perMinute) {
      const t = now();
      const rate = perMinute / 60_000;
      const bucket = buckets.get(source) ?? { tokens: perMinute, at: t };
      bucket.tokens = Math.min(perMinute, bucket.tokens + (t - bucket.at) * rate);
      bucket.at = t;
      buckets.set(source, bucket);
      if (buckets.size > 10_000) buckets.delete(buckets.keys().next().value!);
      if (bucket.tokens >= 1) {
        bucket.tokens -= 1;
        return { ok: true };
      }
      return { ok: false, retryAfterSeconds: Math.max(1, Math.ceil((1 - bucket.tokens) / rate / 1000)) };
    },
  };
}
