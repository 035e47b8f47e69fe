// Workflow ids are derived from the request so that a repeated request finds the same workflow.
// The hash is a pure function (no node:crypto) because workflows import this module too.

function cyrb53(text: string, seed: number): string {
  let h1 = 0xdeadbeef ^ seed;
  let h2 = 0x41c6ce57 ^ seed;
  for (let i = 0; i < text.length; i++) {
    const ch = text.charCodeAt(i);
    h1 = Math.imul(h1 ^ ch, 2654435761);
    h2 = Math.imul(h2 ^ ch, 1597334677);
  }
  h1 = Math.imul(h1 ^ (h1 >>> 16), 2246822507) ^ Math.imul(h2 ^ (h2 >>> 13), 3266489909);
  h2 = Math.imul(h2 ^ (h2 >>> 16), 2246822507) ^ Math.imul(h1 ^ (h1 >>> 13), 3266489909);
  return (4294967296 * (2097151 & h2) + (h1 >>> 0)).toString(16).padStart(14, '0');
}

export function stableHash(text: string): string {
  return cyrb53(text, 1) + cyrb53(text, 2);
}

/** The scope keeps two Slipway installations (or two test suites) sharing a Temporal namespace apart. */
export function deploymentWorkflowId(scope: string, service: string, version: string, requestKey: string): string {
  const safe = (s: string) => s.replace(/[^A-Za-z0-9._-]/g, '_').slice(0, 60);
  return `dep-${safe(service)}-${safe(version)}-${stableHash(`${scope}\u0000${service}\u0000${version}\u0000${requestKey}`).slice(0, 20)}`;
}

/**
 * One deployment's step in one environment: its environment lock request id, and the value of the
 * Jenkins correlation parameter by which a Notification plugin notice finds the deployment again.
 */
export function correlationId(deploymentId: string, environment: string): string {
  return `${deploymentId}@${environment}`;
}

/** The deployment and environment a correlation id names; null for any other text. */
export function parseCorrelationId(text: string): { deploymentId: string; environment: string } | null {
  const match = /^(dep-[^@]+)@([^@]+)$/.exec(text);
  return match ? { deploymentId: match[1]!, environment: match[2]! } : null;
}

export function environmentLockWorkflowId(scope: string, environment: string): string {
  return `env-lock-${environment}@${scope}`;
}

/** Per job and number; the scope keeps installations sharing a namespace apart. */
export function buildWorkflowId(scope: string, jobPath: string, number: number): string {
  return `bld-${stableHash(`${scope}\u0000${jobPath}`).slice(0, 12)}-${number}`;
}
