import { z } from 'zod';
import type { EventSubscriber as Subscriber } from './event-config.js';
import type { EventType } from './events.js';

// A DeployDB configuration directory (services/, environments/, pipelines/, promotions/, webhook/,
// one YAML file per ident) mapped onto Slipway's configuration, so an installation moves over
// without rewriting its files. Pure: infra/deploydb-directory.ts reads the files and hands their
// parsed YAML here; the result is merged into the Slipway file's own sections, which win.

export const deploydbKinds = ['services', 'environments', 'pipelines', 'promotions', 'webhook'] as const;
export type DeploydbKind = (typeof deploydbKinds)[number];

export interface DeploydbDocument {
  kind: DeploydbKind;
  /** The file's base name: DeployDB's ident. */
  ident: string;
  /** How errors name the file (the directory as configured, then kind/ident.yml). */
  file: string;
  doc: unknown;
}

export interface DeploydbOptions {
  /** Base for WebhookPromotion urls written relative (`url: /healthcheck`). */
  webhookBaseUrl?: string;
  /** Variable holding the HMAC key of the subscribers made from DeployDB's webhooks. */
  webhookSecretEnv: string;
  /** The Jenkins server (under jenkins:) whose jobs a JenkinsPromotion names. */
  jenkinsServer?: string;
}

/** The sections DeployDB's files become, in the raw (unvalidated) shape of the Slipway file. */
export interface DeploydbSections {
  environments: Record<string, Record<string, never>>;
  pipelines: Record<string, { environments: Array<{ environment: string; promotions: string[] }> }>;
  promotions: Record<string, Record<string, unknown>>;
  services: Record<string, Record<string, unknown>>;
  subscribers: Subscriber[];
}

const list = () =>
  z.array(z.string().min(1), {
    error: (iss) => (iss.input === undefined ? 'required: a list' : 'expected a list'),
  });
const urls = list().optional();

// DeployDB read its files with Jackson: the fields below are the ones it knew; `description` and
// anything else are kept by DeployDB for display only, so they are accepted and not used.
const Webhook = z.looseObject({
  deployment: z.looseObject({ created: urls, started: urls, completed: urls, verified: urls }).nullish(),
  promotion: z.looseObject({ completed: urls }).nullish(),
});
const Service = z.looseObject({
  description: z.string().optional(),
  artifacts: list(),
  pipelines: list(),
  promotions: list().nullish(),
});
const Environment = z.looseObject({
  description: z.string().optional(),
  webhook: Webhook.nullish(),
  webhooks: Webhook.nullish(),
});
const Pipeline = z.looseObject({
  description: z.string().optional(),
  environments: z.record(z.string(), z.looseObject({ promotions: list().nullish() }).nullish(), {
    error: 'expected a map of environment idents',
  }),
});
const PromotionBase = z.looseObject({
  type: z.string({ error: 'required: the promotion type' }).min(1),
  description: z.string().optional(),
  attributes: z.record(z.string(), z.unknown()).nullish(),
});
const JenkinsFields = z.looseObject({ jobs: list(), server: z.string().min(1).optional() });
const WebhookFields = z.looseObject({
  url: z.string({ error: 'required: the URL to check' }).min(1),
  status: z.number().int().min(100).max(599).optional(),
  /** DeployDB wrote seconds as a number; a duration string ("2m") is taken as it is. */
  timeout: z.union([z.number().positive(), z.string().min(1)]).optional(),
});
const ManualFields = z.looseObject({ approvers: list().optional() });

/** DeployDB's event names → Slipway's event types (issue 14's outgoing events). */
// DeployDB's webhook sections → Slipway event types (its "completed" is sent for a failed deploy too).
const eventTypes: Record<string, Record<string, EventType[]>> = {
  deployment: {
    created: ['deployment.created'],
    started: ['deployment.started'],
    completed: ['deployment.completed', 'deployment.failed'],
    verified: ['verification.completed'],
  },
  promotion: { completed: ['promotion.decided'] },
};

type Report = (file: string, path: PropertyKey[] | string, problem: string) => void;

function parse<T>(schema: z.ZodType<T>, d: DeploydbDocument, report: Report): T | null {
  const result = schema.safeParse(d.doc ?? {});
  if (result.success) return result.data;
  for (const issue of result.error.issues) report(d.file, issue.path, issue.message);
  return null;
}

/** "deploydb.models.promotion.ManualLDAPPromotionImpl" → "manualldappromotion". */
const typeName = (type: string) => type.split('.').at(-1)!.replace(/Impl$/, '').toLowerCase();

function promotionOf(d: DeploydbDocument, options: DeploydbOptions, report: Report): Record<string, unknown> | null {
  const base = parse(PromotionBase, d, report);
  if (!base) return null;
  const attributes = base.attributes ?? {};
  const type = typeName(base.type);
  if (type === 'jenkinspromotion') {
    const fields = parse(JenkinsFields, d, report);
    if (!fields) return null;
    const server = fields.server ?? (attributes.server as string | undefined) ?? options.jenkinsServer;
    if (!server) {
      report(d.file, 'type', 'a JenkinsPromotion needs a Jenkins server: set deploydb.jenkinsServer (or server: here)');
      return null;
    }
    return { type: 'jenkins', server, jobs: fields.jobs };
  }
  if (type === 'webhookpromotion') {
    const fields = parse(WebhookFields, d, report);
    if (!fields) return null;
    let url: string;
    try {
      url = new URL(fields.url, options.webhookBaseUrl).href;
    } catch {
      report(
        d.file,
        'url',
        `"${fields.url}" is relative: set deploydb.webhookBaseUrl to the address it is relative to`,
      );
      return null;
    }
    return {
      type: 'webhook',
      url,
      ...(fields.status !== undefined ? { expectStatus: fields.status } : {}),
      ...(fields.timeout !== undefined
        ? { timeout: typeof fields.timeout === 'number' ? `${fields.timeout}s` : fields.timeout }
        : {}),
    };
  }
  if (type === 'manual' || type === 'manualpromotion' || type === 'manualldappromotion') {
    const fields = parse(ManualFields, d, report);
    if (!fields) return null;
    const group = attributes.allowedGroup;
    const approvers = fields.approvers ?? (typeof group === 'string' ? [group] : undefined);
    if (!approvers) {
      report(d.file, 'approvers', 'a manual promotion needs approvers (or attributes.allowedGroup)');
      return null;
    }
    return { type: 'manual', approvers };
  }
  // DeployDB's own model for every other type: an outside system posts the promotion's result.
  return { type: 'reported' };
}

function subscribersOf(
  webhook: z.infer<typeof Webhook> | null | undefined,
  scope: { prefix: string; environment?: string },
  secretEnv: string,
): Subscriber[] {
  const byUrl = new Map<string, EventType[]>();
  for (const [group, names] of Object.entries(eventTypes)) {
    const section = webhook?.[group as 'deployment' | 'promotion'] as Record<string, string[] | undefined> | null;
    for (const [event, types] of Object.entries(names)) {
      for (const url of section?.[event] ?? []) byUrl.set(url, [...(byUrl.get(url) ?? []), ...types]);
    }
  }
  return [...byUrl].map(([url, events], i) => ({
    name: `${scope.prefix}-${i + 1}`,
    url,
    events,
    ...(scope.environment !== undefined ? { environment: scope.environment } : {}),
    secretEnv,
    format: 'deploydb' as const,
  }));
}

export function mapDeploydbDirectory(
  documents: DeploydbDocument[],
  options: DeploydbOptions,
): { ok: true; sections: DeploydbSections } | { ok: false; errors: string[] } {
  const errors: string[] = [];
  const report: Report = (file, path, problem) => {
    const where = typeof path === 'string' ? path : path.length === 0 ? '(top level)' : path.map(String).join('.');
    errors.push(`${file}: ${where}: ${problem}`);
  };
  const of = (kind: DeploydbKind) => documents.filter((d) => d.kind === kind);
  const sections: DeploydbSections = { environments: {}, pipelines: {}, promotions: {}, services: {}, subscribers: [] };

  for (const d of of('promotions')) {
    const promotion = promotionOf(d, options, report);
    if (promotion) sections.promotions[d.ident] = promotion;
  }
  for (const d of of('environments')) {
    const env = parse(Environment, d, report);
    if (!env) continue;
    sections.environments[d.ident] = {};
    const prefix = `deploydb-${d.ident}`;
    sections.subscribers.push(
      ...subscribersOf(env.webhooks ?? env.webhook, { prefix, environment: d.ident }, options.webhookSecretEnv),
    );
  }
  for (const d of of('webhook')) {
    const webhook = parse(Webhook, d, report);
    if (webhook)
      sections.subscribers.push(...subscribersOf(webhook, { prefix: `deploydb-${d.ident}` }, options.webhookSecretEnv));
  }
  for (const d of of('pipelines')) {
    const pipeline = parse(Pipeline, d, report);
    if (!pipeline) continue;
    sections.pipelines[d.ident] = {
      environments: Object.entries(pipeline.environments).map(([environment, stage]) => ({
        environment,
        promotions: stage?.promotions ?? [],
      })),
    };
  }
  const promotionNames = new Set(of('promotions').map((d) => d.ident));
  for (const d of of('services')) {
    const service = parse(Service, d, report);
    if (!service) continue;
    if (service.pipelines.length > 1)
      report(d.file, 'pipelines', `Slipway runs one pipeline per service; this lists ${service.pipelines.length}`);
    (service.promotions ?? []).forEach((name, i) => {
      if (!promotionNames.has(name)) report(d.file, `promotions.${i}`, `unknown promotion "${name}"`);
    });
    sections.services[d.ident] = {
      artifacts: service.artifacts,
      pipeline: service.pipelines[0],
      // DeployDB runs no deployer: an outside system deploys and reports through /api.
      deploy: { '*': { type: 'external' } },
    };
  }
  return errors.length > 0 ? { ok: false, errors } : { ok: true, sections };
}

/**
 * The Slipway file's raw content with DeployDB's sections added under it: the file's own
 * environments, pipelines, promotions and services (field by field) win over the directory's.
 */
export function mergeDeploydbSections(
  raw: Record<string, unknown>,
  sections: DeploydbSections,
): Record<string, unknown> {
  const section = (key: string) => (raw[key] ?? {}) as Record<string, Record<string, unknown>>;
  const services = { ...section('services') };
  for (const [name, svc] of Object.entries(sections.services)) services[name] = { ...svc, ...services[name] };
  const events = section('events');
  const firstPipeline = Object.values(sections.pipelines)[0];
  return {
    ...raw,
    // The default pipeline of services that name none: DeployDB's first, unless the file sets one.
    ...(raw.pipeline === undefined && firstPipeline
      ? { pipeline: firstPipeline.environments.map((s) => s.environment) }
      : {}),
    environments: { ...sections.environments, ...section('environments') },
    pipelines: { ...sections.pipelines, ...section('pipelines') },
    promotions: { ...sections.promotions, ...section('promotions') },
    services,
    events: {
      ...events,
      subscribers: [...sections.subscribers, ...((events.subscribers as unknown as unknown[] | undefined) ?? [])],
    },
  };
}
