import type { Deployer, SlipwayConfig } from './config.js';
import { octopushParameters } from './octopush-parameters.js';
import { parseDuration } from './duration.js';
import { renderTemplate } from './template.js';
import { own } from './own.js';
import { pipelineStages, resolveGate } from './pipelines.js';
import type { Gate } from './promotions.js';

// What a deployment workflow needs to know about its service, resolved from configuration when the
// deployment is requested and carried in the workflow input: a config change never alters a running
// deployment's history, and replay never depends on the file.

export interface EnvironmentStep {
  environment: string;
  concurrency: 'groups' | 'exclusive';
  deployer: Deployer;
  /** Promotion gates evaluated after this environment's deploy, before the next one; none: tests and Go Live as Octopush did. */
  gates?: Gate[];
}

export interface ServicePlan {
  service: string;
  group: string;
  environments: EnvironmentStep[];
  approvers: string[];
  approvalsRequired: number;
  lockPolicy: 'hold-until-tests' | 'release-after-deploy';
  testsExpireMs: number;
  testsOnExpiry: 'fail' | 'release-lock';
  approvalExpireMs: number;
  /** False when the request targets an environment before the last: every environment is then a test environment. */
  endsLive: boolean;
  /** The configuration version (content hash) the deployment was requested under. */
  configVersion?: string;
}

/** The pipeline of a service's environments (before direct-to-live is applied). */
export function pipelineOf(config: SlipwayConfig, service: string): string[] {
  return (pipelineStages(config, service) ?? []).map((stage) => stage.environment);
}

/** Live is the last environment of a pipeline: of the service's, or the default pipeline's for a service not configured. */
export function liveEnvironmentOf(config: SlipwayConfig, service?: string): string {
  return (service === undefined ? config.pipeline : pipelineOf(config, service)).at(-1)!;
}

/** The plan's last environment: its live one, unless the request ended the pipeline early (`endsLive` false). */
export function liveEnvironment(plan: ServicePlan): string {
  return plan.environments.at(-1)!.environment;
}

/** null when the service is unknown; `target` (an environment of its pipeline) ends the pipeline early. */
export function servicePlan(
  config: SlipwayConfig,
  service: string,
  target?: string,
  configVersion?: string,
): ServicePlan | null {
  const svc = own(config.services, service);
  if (!svc) return null;
  const stages = new Map((pipelineStages(config, service) ?? []).map((s) => [s.environment, s.promotions]));
  const policies = { ...config.policies, ...svc.policies };
  const full = pipelineOf(config, service);
  // Direct-to-live services only have the last environment: an earlier target does not exist for them.
  const pipeline = config['direct-to-live'].includes(service) ? full.slice(-1) : full;
  const end = target ? pipeline.indexOf(target) + 1 : pipeline.length;
  if (end === 0) return null;
  const envs = pipeline.slice(0, end);
  return {
    service,
    group: String(svc.group),
    environments: envs.map((environment) => {
      const promotions = stages.get(environment) ?? [];
      return {
        environment,
        concurrency: own(config.environments, environment)?.concurrency ?? 'groups',
        deployer: (own(svc.deploy, environment) ?? own(svc.deploy, '*'))!,
        // Only set when there are promotions: plans of pipelines without them stay as they were.
        ...(promotions.length > 0 ? { gates: promotions.map((name) => resolveGate(config.promotions, name)) } : {}),
      };
    }),
    approvers: svc.approvers,
    approvalsRequired: svc.approvalsRequired,
    lockPolicy: policies.lock,
    testsExpireMs: parseDuration(policies.tests.expiresAfter)!,
    testsOnExpiry: policies.tests.onExpiry,
    approvalExpireMs: parseDuration(policies.approval.expiresAfter)!,
    endsLive: end === pipeline.length,
    ...(configVersion !== undefined ? { configVersion } : {}),
  };
}

/** The values a service's deploy templates (Jenkins parameters, a deploy job's parameters) may name. */
export type TemplateValues = {
  service: string;
  version: string;
  environment: string;
  deploymentId: string;
  requestor: string;
};

export function jenkinsParameters(
  mapping: 'octopush' | Record<string, string>,
  values: TemplateValues,
): Record<string, string> {
  const templates = mapping === 'octopush' ? octopushParameters : mapping;
  return Object.fromEntries(Object.entries(templates).map(([k, t]) => [k, renderTemplate(t, values)]));
}
