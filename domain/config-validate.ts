import type { z } from 'zod';
import { SlipwayConfig } from './config.js';
import { checkPromotionsAndPipelines } from './config-promotions.js';
import { own } from './own.js';
import { pipelineStages } from './pipelines.js';

export type ConfigResult = { ok: true; config: SlipwayConfig } | { ok: false; errors: string[] };

function pathText(path: ReadonlyArray<PropertyKey>): string {
  return path.length === 0 ? '(top level)' : path.map(String).join('.');
}

function issuesText(file: string, issues: z.core.$ZodIssue[]): string[] {
  return issues.map((issue) => `${file}: ${pathText(issue.path)}: ${issue.message}`);
}

/** Checks the references between sections, which a schema alone cannot: every name used must be defined. */
function crossCheck(file: string, config: SlipwayConfig): string[] {
  const errors: string[] = [];
  const envs = new Set(Object.keys(config.environments));
  const at = (path: string, problem: string) => errors.push(`${file}: ${path}: ${problem}`);
  config.pipeline.forEach((env, i) => {
    if (!envs.has(env)) at(`pipeline.${i}`, `unknown environment "${env}"`);
  });
  for (const name of config['direct-to-live']) {
    if (!own(config.services, name)) at('direct-to-live', `unknown service "${name}"`);
  }
  for (const [service, svc] of Object.entries(config.services)) {
    const pipeline = (pipelineStages(config, service) ?? []).map((stage) => stage.environment);
    if (Array.isArray(svc.pipeline))
      svc.pipeline.forEach((env, i) => {
        if (!envs.has(env)) at(`services.${service}.pipeline.${i}`, `unknown environment "${env}"`);
      });
    for (const [key, deployer] of Object.entries(svc.deploy)) {
      if (key !== '*' && !envs.has(key)) at(`services.${service}.deploy.${key}`, `unknown environment "${key}"`);
      if (deployer.type === 'jenkins' && !own(config.jenkins, deployer.server)) {
        at(
          `services.${service}.deploy.${key}.server`,
          `unknown Jenkins server "${deployer.server}" (define it under jenkins:)`,
        );
      }
    }
    const deployed = config['direct-to-live'].includes(service) ? pipeline.slice(-1) : pipeline;
    for (const env of deployed) {
      if (!own(svc.deploy, env) && !own(svc.deploy, '*'))
        at(`services.${service}.deploy`, `no deployer for environment "${env}" (add "${env}:" or "*:")`);
    }
    if (svc.approvers.length > 0 && svc.approvalsRequired > svc.approvers.length) {
      at(
        `services.${service}.approvalsRequired`,
        `needs ${svc.approvalsRequired} approvals but only ${svc.approvers.length} approvers are named`,
      );
    }
  }
  checkPromotionsAndPipelines(config, at);
  if (config.forges.jenkins)
    at('forges.jenkins', '"jenkins" is reserved: /hooks/jenkins takes Jenkins Notification plugin events');
  for (const [repo, rule] of Object.entries(config.repositories)) {
    if (rule.forge && !own(config.forges, rule.forge))
      at(`repositories.${repo}.forge`, `unknown forge "${rule.forge}" (define it under forges:)`);
    if (rule.secretEnv && !rule.forge)
      at(`repositories.${repo}.secretEnv`, 'a webhook secret needs the forge that sends the webhooks (forge:)');
    if (!rule.forge && !rule.poll)
      at(`repositories.${repo}`, 'needs a forge (webhooks) or poll (a plain git repository)');
  }
  return errors;
}

export function validateConfig(raw: unknown, file: string): ConfigResult {
  const parsed = SlipwayConfig.safeParse(raw ?? {});
  if (!parsed.success) return { ok: false, errors: issuesText(file, parsed.error.issues) };
  const errors = crossCheck(file, parsed.data);
  return errors.length > 0 ? { ok: false, errors } : { ok: true, config: parsed.data };
}
