import { z } from 'zod';
import type { SlipwayConfig } from './config.js';
import type { Gate, Promotion } from './promotions.js';
import { own } from './own.js';

// Named pipelines: the environments a version goes through, in order, and the promotions it must
// pass in each before it moves on. A service names one (`pipeline: <name>`) or lists environments
// (`pipeline: [preprod, live]`: an anonymous pipeline without promotions).

const ident = z
  .string()
  .regex(/^[a-z0-9][a-z0-9._-]*$/i, 'letters, digits, ".", "_" or "-", starting with a letter or digit');

export const PipelineStage = z.strictObject({
  environment: ident,
  /** Names of promotions (under promotions:) that must pass here. */
  promotions: z.array(ident).default([]),
});

export const PipelineConfig = z.strictObject({
  environments: z.array(PipelineStage).min(1, 'a pipeline needs at least one environment'),
});

export type PipelineStage = z.infer<typeof PipelineStage>;
export type PipelineConfig = z.infer<typeof PipelineConfig>;

/** The stages of a service's pipeline; null when it names a pipeline that does not exist. */
export function pipelineStages(config: SlipwayConfig, service: string): PipelineStage[] | null {
  const chosen = own(config.services, service)?.pipeline ?? config.pipeline;
  if (Array.isArray(chosen)) return chosen.map((environment) => ({ environment, promotions: [] }));
  return own(config.pipelines, chosen)?.environments ?? null;
}

/**
 * A named promotion as a Gate tree: combinations carry their parts, resolved by name. Validation
 * (domain/config-promotions.ts) refuses unknown names and cycles before a configuration is used.
 */
export function resolveGate(promotions: Readonly<Record<string, Promotion>>, name: string): Gate {
  const promotion = own(promotions, name);
  if (!promotion) throw new Error(`unknown promotion "${name}"`);
  if (promotion.type === 'all-of' || promotion.type === 'any-of')
    return { name, type: promotion.type, of: promotion.of.map((part) => resolveGate(promotions, part)) };
  return { ...(promotion as Exclude<Promotion, { type: 'all-of' | 'any-of' }>), name };
}
