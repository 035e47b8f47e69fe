import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import type { ForgeVendor } from '../../domain/forge-events.js';

// Each vendor's proof that a delivery came from it. GitHub: "sha256=<HMAC hex>" in
// X-Hub-Signature-256; GitLab: the shared token in X-Gitlab-Token; Gitea: HMAC-SHA256 hex in
// X-Gitea-Signature; Bitbucket Cloud: "sha256=<hex>" in X-Hub-Signature. Every HMAC covers the raw
// bytes as received: decoding them first would let bytes that are not UTF-8 be swapped for others
// that decode the same (both become U+FFFD) under one signature. (@octokit/webhooks' verify takes
// only a decoded string, so the comparison is done here, in constant time like theirs.)

export type Verdict = { ok: true } | { ok: false; reason: string };

const same = (a: string, b: string) => {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
};
const hmac = (secret: string, body: Uint8Array) => createHmac('sha256', secret).update(body).digest('hex');

export function verifyDelivery(
  vendor: ForgeVendor,
  header: (name: string) => string | undefined,
  body: Uint8Array,
  secret: string,
): Verdict {
  switch (vendor) {
    case 'github': {
      const signature = header('x-hub-signature-256');
      if (!signature) return { ok: false, reason: 'missing X-Hub-Signature-256' };
      return same(signature, `sha256=${hmac(secret, body)}`)
        ? { ok: true }
        : { ok: false, reason: 'X-Hub-Signature-256 does not match' };
    }
    case 'gitlab': {
      const token = header('x-gitlab-token');
      if (!token) return { ok: false, reason: 'missing X-Gitlab-Token' };
      return same(token, secret) ? { ok: true } : { ok: false, reason: 'X-Gitlab-Token does not match' };
    }
    case 'gitea': {
      const signature = header('x-gitea-signature');
      if (!signature) return { ok: false, reason: 'missing X-Gitea-Signature' };
      return same(signature, hmac(secret, body))
        ? { ok: true }
        : { ok: false, reason: 'X-Gitea-Signature does not match' };
    }
    case 'bitbucket': {
      const signature = header('x-hub-signature');
      if (!signature) return { ok: false, reason: 'missing X-Hub-Signature' };
      return same(signature, `sha256=${hmac(secret, body)}`)
        ? { ok: true }
        : { ok: false, reason: 'X-Hub-Signature does not match' };
    }
  }
}

/** SHA-256 hex of the signed bytes: a replay of them under a new delivery id is still a duplicate. */
export const bodyHash = (body: Uint8Array) => createHash('sha256').update(body).digest('hex');

/** The vendor's delivery id (what a redelivery repeats), or a hash of the body when it sends none. */
export function deliveryId(
  vendor: ForgeVendor,
  header: (name: string) => string | undefined,
  body: Uint8Array,
): string {
  const fromHeader = {
    github: header('x-github-delivery'),
    gitlab: header('x-gitlab-event-uuid') ?? header('idempotency-key'),
    gitea: header('x-gitea-delivery'),
    bitbucket: header('x-request-uuid') ?? header('x-hook-uuid'),
  }[vendor];
  return (fromHeader ?? `body-${createHmac('sha256', 'slipway').update(body).digest('hex').slice(0, 32)}`)
    .replace(/[^A-Za-z0-9._-]/g, '_')
    .slice(0, 100);
}

export function eventType(vendor: ForgeVendor, header: (name: string) => string | undefined): string {
  return (
    {
      github: header('x-github-event'),
      gitlab: header('x-gitlab-event'),
      gitea: header('x-gitea-event'),
      bitbucket: header('x-event-key'),
    }[vendor] ?? ''
  );
}
