import type { ForgeConfig, SlipwayConfig } from '../../domain/config.js';
import type { ForgeVendor } from '../../domain/forge-events.js';

// Which secret a delivery must be signed with. A repository rule may name its own secret variable:
// then only that secret proves a delivery for that repository, and the forge's does not, so whoever
// holds the forge's secret (or another repository's) cannot forge events for it. The repository
// is read from the payload before the signature is checked; that is safe because the payload is
// what the signature covers: a delivery that names repository R verifies only with R's secret, and
// the gateway then acts only on events of R (see `eventsOf` in forge.ts).

export type DeliverySecret =
  { ok: true; secret: string; variable: string } | { ok: false; variable: string; owner: string };

/** The repository the payload names, where every vendor's normalizer reads it; undefined if none. */
export function payloadRepository(vendor: ForgeVendor, payload: unknown): string | undefined {
  const field = (o: unknown, key: string): unknown =>
    o && typeof o === 'object' && Object.hasOwn(o, key) ? (o as Record<string, unknown>)[key] : undefined;
  const name =
    vendor === 'gitlab'
      ? field(field(payload, 'project'), 'path_with_namespace')
      : field(field(payload, 'repository'), 'full_name');
  return typeof name === 'string' ? name : undefined;
}

/** The repository's own secret if its rule (for this forge) names one, else the forge's. */
export function deliverySecret(
  config: Pick<SlipwayConfig, 'repositories'>,
  forgeName: string,
  forge: ForgeConfig,
  repository: string | undefined,
  secret: (variable: string) => string | undefined,
): DeliverySecret {
  const rule =
    repository !== undefined && Object.hasOwn(config.repositories, repository)
      ? config.repositories[repository]
      : undefined;
  const own = rule?.forge === forgeName ? rule.secretEnv : undefined;
  const variable = own ?? forge.secretEnv;
  const value = secret(variable);
  if (!value) return { ok: false, variable, owner: own ? `repository ${repository}` : 'this forge' };
  return { ok: true, secret: value, variable };
}
