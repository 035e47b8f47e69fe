import { sql } from 'drizzle-orm';
import {
  bigint,
  bigserial,
  boolean,
  index,
  integer,
  jsonb,
  pgTable,
  serial,
  text,
  timestamp,
  uniqueIndex,
} from 'drizzle-orm/pg-core';
import type { EnvironmentStatus, WaitingOn } from '../domain/deployment-state.js';
import type { Outcome } from '../domain/statuses.js';
import type { ForgeEventInput } from '../domain/forge-event-input.js';

// Postgres is the read model (projections written by activities) and the store of what must
// outlive Temporal's history retention.

/** One row per deployment; written by the API at request time, then only by the workflow's store activity. */
export const deployments = pgTable(
  'deployments',
  {
    id: text('id').primaryKey(),
    /** The Octopush job_id: an integer in acceptance order. */
    number: serial('number').notNull().unique(),
    service: text('service').notNull(),
    version: text('version').notNull(),
    requestor: text('requestor').notNull().default(''),
    requestKey: text('request_key').notNull(),
    status: text('status').notNull(),
    phase: text('phase').notNull(),
    environment: text('environment').notNull(),
    outcome: jsonb('outcome').$type<Outcome | null>(),
    waitingOn: jsonb('waiting_on').$type<WaitingOn | null>(),
    environments: jsonb('environments').$type<EnvironmentStatus[]>().notNull(),
    approvals: jsonb('approvals').$type<Array<{ by: string; at: string }>>().notNull().default([]),
    testJobUrl: text('test_job_url'),
    rollbackOf: text('rollback_of'),
    seq: integer('seq').notNull().default(0),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    index('deployments_service_idx').on(t.service, t.number),
    index('deployments_status_idx').on(t.status),
    // The board's deployments under way: a few rows among thousands of finished ones.
    index('deployments_active_idx')
      .on(t.number)
      .where(sql`${t.phase} <> 'finished'`),
  ],
);

/** Audit trail of every status change of a deployment, with actor and time. */
export const deploymentTransitions = pgTable(
  'deployment_transitions',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    deploymentId: text('deployment_id')
      .notNull()
      .references(() => deployments.id, { onDelete: 'cascade' }),
    seq: integer('seq').notNull(),
    fromStatus: text('from_status'),
    toStatus: text('to_status').notNull(),
    phase: text('phase').notNull(),
    actor: text('actor').notNull(),
    reason: text('reason').notNull(),
    at: timestamp('at', { withTimezone: true }).notNull(),
  },
  (t) => [uniqueIndex('deployment_transitions_seq_idx').on(t.deploymentId, t.seq)],
);

/** The environment × service × version record: what reached where, newest last. */
export const releases = pgTable(
  'releases',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    environment: text('environment').notNull(),
    service: text('service').notNull(),
    version: text('version').notNull(),
    deploymentId: text('deployment_id').notNull(),
    at: timestamp('at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    uniqueIndex('releases_deployment_env_idx').on(t.deploymentId, t.environment),
    index('releases_env_service_idx').on(t.environment, t.service, t.id),
    // The board's "recently deployed" per environment, newest first.
    index('releases_env_recent_idx').on(t.environment, t.id),
  ],
);

/** Projection of each environment lock workflow: holders, waiters in order, paused. */
export const environmentQueues = pgTable('environment_queues', {
  environment: text('environment').primaryKey(),
  paused: boolean('paused').notNull().default(false),
  holders: jsonb('holders').$type<unknown[]>().notNull().default([]),
  waiters: jsonb('waiters').$type<unknown[]>().notNull().default([]),
  updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
});

/** Pause switches set through the API: '*' for all environments, or one environment's name. */
export const queuePauses = pgTable('queue_pauses', {
  scope: text('scope').primaryKey(),
  paused: boolean('paused').notNull(),
  by: text('by').notNull(),
  at: timestamp('at', { withTimezone: true }).notNull().defaultNow(),
});

/** API tokens: only a SHA-256 of the secret is kept. */
export const apiTokens = pgTable('api_tokens', {
  id: text('id').primaryKey(),
  name: text('name').notNull(),
  hash: text('hash').notNull().unique(),
  scopes: jsonb('scopes').$type<string[]>().notNull(),
  createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  revokedAt: timestamp('revoked_at', { withTimezone: true }),
  lastUsedAt: timestamp('last_used_at', { withTimezone: true }),
});

export const auditLog = pgTable('audit_log', {
  id: bigserial('id', { mode: 'number' }).primaryKey(),
  actor: text('actor').notNull(),
  action: text('action').notNull(),
  subject: text('subject').notNull(),
  detail: jsonb('detail')
    .$type<Record<string, unknown>>()
    .notNull()
    .default(sql`'{}'::jsonb`),
  at: timestamp('at', { withTimezone: true }).notNull().defaultNow(),
});

/** CI jobs in folders (`team/service/job`); a PR or branch copy names its parent. */
export const jobs = pgTable('jobs', {
  path: text('path').primaryKey(),
  definition: jsonb('definition').$type<Record<string, unknown>>().notNull(),
  parentPath: text('parent_path'),
  /** A copy's pull request title or branch name as the forge sent it (shown by the dashboard); null for others. */
  label: text('label'),
  /** The next build number: taken by an atomic increment, so numbers are never reused. */
  nextNumber: integer('next_number').notNull().default(1),
  createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
  retiredAt: timestamp('retired_at', { withTimezone: true }),
});

export interface BuildCommandRecord {
  key: string;
  stage: string;
  step: string;
  kind: 'hook' | 'step';
  status: 'pending' | 'running' | 'succeeded' | 'failed' | 'skipped' | 'cancelled' | 'errored';
  exitCode?: number | null;
  startedAt?: string;
  finishedAt?: string;
  truncated?: boolean;
  message?: string;
}

/** Build data; their output lives apart, in build_log_chunks. */
export const builds = pgTable(
  'builds',
  {
    id: text('id').primaryKey(),
    jobPath: text('job_path').notNull(),
    number: integer('number').notNull(),
    status: text('status').notNull(),
    /** Values of secret parameters are replaced by "***" before they reach this row. */
    parameters: jsonb('parameters').$type<Record<string, string>>().notNull().default({}),
    definition: jsonb('definition').$type<Record<string, unknown>>().notNull(),
    commit: text('commit'),
    ref: text('ref'),
    host: text('host'),
    commands: jsonb('commands').$type<BuildCommandRecord[]>().notNull().default([]),
    reason: text('reason'),
    triggeredBy: text('triggered_by').notNull(),
    rebuildOf: text('rebuild_of'),
    seq: integer('seq').notNull().default(0),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    startedAt: timestamp('started_at', { withTimezone: true }),
    finishedAt: timestamp('finished_at', { withTimezone: true }),
  },
  (t) => [uniqueIndex('builds_job_number_idx').on(t.jobPath, t.number)],
);

/** Output of build commands, in order per build; `offset` is the byte offset within the command's log. */
export const buildLogChunks = pgTable(
  'build_log_chunks',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    buildId: text('build_id').notNull(),
    commandKey: text('command_key').notNull(),
    offset: bigint('offset', { mode: 'number' }).notNull(),
    text: text('text').notNull(),
    at: timestamp('at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    index('build_log_chunks_build_idx').on(t.buildId, t.id),
    uniqueIndex('build_log_chunks_key_idx').on(t.buildId, t.commandKey, t.offset),
  ],
);

/** Values of a build's secret parameters, read only by its build host; deleted when the build ends. */
export const buildSecrets = pgTable(
  'build_secrets',
  {
    buildId: text('build_id').notNull(),
    name: text('name').notNull(),
    value: text('value').notNull(),
  },
  (t) => [uniqueIndex('build_secrets_idx').on(t.buildId, t.name)],
);

/** Artifact versions: registered by API or by a successful build ("artifact ready"). */
export const artifacts = pgTable(
  'artifacts',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    service: text('service').notNull(),
    version: text('version').notNull(),
    digest: text('digest'),
    commit: text('commit'),
    buildId: text('build_id'),
    registeredBy: text('registered_by').notNull(),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [uniqueIndex('artifacts_service_version_idx').on(t.service, t.version)],
);

/** Accepted webhook deliveries: what came in, from where, and what it caused. */
export const webhookDeliveries = pgTable('webhook_deliveries', {
  id: text('id').primaryKey(),
  forge: text('forge').notNull(),
  event: text('event').notNull(),
  repo: text('repo').notNull(),
  summary: jsonb('summary').$type<Record<string, unknown>>().notNull(),
  builds: jsonb('builds').$type<string[]>().notNull().default([]),
  receivedAt: timestamp('received_at', { withTimezone: true }).notNull().defaultNow(),
});

/**
 * The webhook gateway's outbox. A delivery is accepted once its row is in (the primary key,
 * `<forge>:<delivery id>`, turns a redelivery into a no-op); the relay (api/hooks/relay.ts) then
 * starts its workflow. Handed rows stay, without their input, so that a late redelivery is still
 * recognised; what the delivery caused is in webhook_deliveries.
 */
export const webhookInbox = pgTable(
  'webhook_inbox',
  {
    id: text('id').primaryKey(),
    forge: text('forge').notNull(),
    deliveryId: text('delivery_id').notNull(),
    workflowId: text('workflow_id').notNull(),
    /** The forgeEvent workflow's input; null once handed over. */
    input: jsonb('input').$type<ForgeEventInput | null>(),
    /** The request's W3C trace context, so the workflow joins the request's trace; null once handed over. */
    traceContext: jsonb('trace_context').$type<Record<string, string> | null>(),
    receivedAt: timestamp('received_at', { withTimezone: true }).notNull().defaultNow(),
    /** When the workflow was started (or found already started); null while pending. */
    handedAt: timestamp('handed_at', { withTimezone: true }),
    /** Failed starts so far. */
    attempts: integer('attempts').notNull().default(0),
    lastError: text('last_error'),
    /** A relay's claim (or a failed start's back-off): no other relay takes the row before this time. */
    claimedUntil: timestamp('claimed_until', { withTimezone: true }),
    /** SHA-256 of the signed body: the same signed bytes under a new delivery id are a replay, not an event. */
    bodyHash: text('body_hash'),
  },
  (t) => [
    index('webhook_inbox_pending_idx')
      .on(t.receivedAt)
      .where(sql`${t.handedAt} is null`),
    uniqueIndex('webhook_inbox_body_idx').on(t.forge, t.bodyHash),
  ],
);

/** Features (planned work, e.g. ABC-123 or #42) and what is linked to them. */
export const features = pgTable('features', {
  key: text('key').primaryKey(),
  title: text('title'),
  state: text('state'),
  url: text('url'),
  provider: text('provider'),
  updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
});

export const featureLinks = pgTable(
  'feature_links',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    featureKey: text('feature_key').notNull(),
    /** branch | pull_request | build | commit */
    kind: text('kind').notNull(),
    repo: text('repo').notNull(),
    ref: text('ref').notNull(),
    detail: jsonb('detail').$type<Record<string, unknown>>().notNull().default({}),
    at: timestamp('at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [uniqueIndex('feature_links_idx').on(t.featureKey, t.kind, t.repo, t.ref)],
);

/** Heads of polled plain git repositories, as last seen by `git ls-remote`. */
export const polledRefs = pgTable(
  'polled_refs',
  {
    repo: text('repo').notNull(),
    ref: text('ref').notNull(),
    sha: text('sha').notNull(),
    seenAt: timestamp('seen_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [uniqueIndex('polled_refs_idx').on(t.repo, t.ref)],
);
