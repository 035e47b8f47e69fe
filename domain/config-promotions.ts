import type { SlipwayConfig } from './config.js';
import { own } from './own.js';

// Cross-references of promotions and pipelines that a schema alone cannot check: every name used is
// defined, no combination contains itself, and a service's named pipeline exists.

type Report = (path: string, problem: string) => void;

const known = (record: Readonly<Record<string, unknown>>) => {
  const names = Object.keys(record);
  return names.length === 0 ? '(none defined)' : `(known: ${names.join(', ')})`;
};

/** The first cycle through combinations starting at `start`, as names (a → b → a), or null. */
function cycleFrom(config: SlipwayConfig, start: string): string[] | null {
  const walk = (name: string, trail: string[]): string[] | null => {
    const promotion = own(config.promotions, name);
    if (!promotion || (promotion.type !== 'all-of' && promotion.type !== 'any-of')) return null;
    for (const part of promotion.of) {
      if (part === start) return [...trail, part];
      if (trail.includes(part)) continue; // a cycle not through `start`: reported from its own start
      const found = walk(part, [...trail, part]);
      if (found) return found;
    }
    return null;
  };
  return walk(start, [start]);
}

function checkPromotionDefinitions(config: SlipwayConfig, at: Report): void {
  for (const [name, promotion] of Object.entries(config.promotions)) {
    if (promotion.type === 'jenkins' && !own(config.jenkins, promotion.server))
      at(`promotions.${name}.server`, `no Jenkins server "${promotion.server}" ${known(config.jenkins)}`);
    if (promotion.type === 'manual' && promotion.required > promotion.approvers.length)
      at(
        `promotions.${name}.required`,
        `needs ${promotion.required} approvals but only ${promotion.approvers.length} approvers are named`,
      );
    if (promotion.type !== 'all-of' && promotion.type !== 'any-of') continue;
    promotion.of.forEach((part, i) => {
      if (!own(config.promotions, part))
        at(`promotions.${name}.of.${i}`, `unknown promotion "${part}" ${known(config.promotions)}`);
    });
    const cycle = cycleFrom(config, name);
    if (cycle) at(`promotions.${name}.of`, `a combination may not contain itself: ${cycle.join(' → ')}`);
  }
}

function checkPipelines(config: SlipwayConfig, at: Report): void {
  for (const [name, pipeline] of Object.entries(config.pipelines)) {
    const seen = new Set<string>();
    pipeline.environments.forEach((stage, i) => {
      const path = `pipelines.${name}.environments.${i}`;
      if (!own(config.environments, stage.environment))
        at(`${path}.environment`, `unknown environment "${stage.environment}" ${known(config.environments)}`);
      else if (seen.has(stage.environment)) at(`${path}.environment`, `"${stage.environment}" appears twice`);
      seen.add(stage.environment);
      stage.promotions.forEach((promotion, j) => {
        if (!own(config.promotions, promotion))
          at(`${path}.promotions.${j}`, `unknown promotion "${promotion}" ${known(config.promotions)}`);
      });
    });
  }
}

export function checkPromotionsAndPipelines(config: SlipwayConfig, at: Report): void {
  checkPromotionDefinitions(config, at);
  checkPipelines(config, at);
  for (const [service, svc] of Object.entries(config.services)) {
    if (typeof svc.pipeline === 'string' && !own(config.pipelines, svc.pipeline))
      at(`services.${service}.pipeline`, `unknown pipeline "${svc.pipeline}" ${known(config.pipelines)}`);
  }
}
