import { z } from 'zod';
import { BuildsConfig } from './build-limits.js';
import { parseDuration } from './duration.js';
import { UiConfig } from './ui-config.js';

// The YAML configuration (SLIPWAY_CONFIG): environments, pipelines, Jenkins servers and services.
// Secrets never live here: Jenkins credentials are named by the environment variable that holds them.

const name = z
  .string()
  .regex(/^[a-z0-9][a-z0-9._-]*$/i, 'letters, digits, ".", "_" or "-", starting with a letter or digit');
const duration = z.string().refine((s) => parseDuration(s) !== null, 'a duration such as "90s", "15m", "2h" or "7d"');

export const EnvironmentConfig = z.strictObject({
  /** groups: Octopush's pre-prod rule (same group may share, different groups wait); exclusive: one deployment at a time (Octopush's live). */
  concurrency: z.enum(['groups', 'exclusive']).default('groups'),
  /** Octopush listing name (`/staging/...`, `/prod/...`) this environment answers to. */
  octopushName: z.string().optional(),
});

export const JenkinsServer = z.strictObject({
  url: z.url(),
  user: z.string().optional(),
  /** Name of the environment variable holding the API token. */
  tokenEnv: z.string().optional(),
});

export { octopushParameters } from './octopush-parameters.js';

export const JenkinsDeployer = z.strictObject({
  type: z.literal('jenkins'),
  server: name,
  /** Job path with folders, e.g. "release/deploy-checkout". */
  job: z.string().min(1),
  /** Parameter name → template ({{service}}, {{version}}, {{environment}}, {{deploymentId}}, {{requestor}}), or "octopush". */
  parameters: z.union([z.literal('octopush'), z.record(z.string(), z.string())]).default('octopush'),
  /** Parameter that carries the deployment's id so a retried trigger finds its build instead of starting another. */
  correlationParameter: z.string().default('SLIPWAY_DEPLOYMENT'),
});

export const DockerDeployer = z.strictObject({
  type: z.literal('docker'),
  image: z.string().min(1),
  /** Run with /bin/sh -c; MODULE, VERSION and ENVIRONMENT are in its environment. */
  command: z.string().min(1),
  timeout: duration.default('15m'),
});

/** Runs a Slipway job (stages, hooks, logs) as the deploy: its build must succeed. */
export const JobDeployer = z.strictObject({
  type: z.literal('job'),
  job: z
    .string()
    .regex(/^[A-Za-z0-9][A-Za-z0-9._-]*(\/[A-Za-z0-9][A-Za-z0-9._-]*)*$/, 'a job path such as deploy/checkout'),
  /** Job parameter → template ({{service}}, {{version}}, {{environment}}, {{deploymentId}}, {{requestor}}). */
  parameters: z
    .record(z.string(), z.string())
    .default({ MODULE: '{{service}}', VERSION: '{{version}}', ENVIRONMENT: '{{environment}}' }),
  /** true: build:run and jobs:write tokens may also trigger, rebuild, rewrite or retire this job outside a
   * deployment (as before issue 12), which skips the queue, the lock, the tests and Go Live. */
  allowDirectRuns: z.boolean().default(false),
});

export const Deployer = z.discriminatedUnion('type', [JenkinsDeployer, DockerDeployer, JobDeployer]);

export const WaitPolicy = z.strictObject({
  expiresAfter: duration,
  /** fail: the deployment ends (tests: TESTS_FAILED; approval: expired). release-lock: give up the lock and keep waiting. */
  onExpiry: z.enum(['fail', 'release-lock']).default('fail'),
});

export const Policies = z.strictObject({
  /** hold-until-tests (Octopush): pre-prod stays locked until the test result; release-after-deploy: the lock goes once deployed. */
  lock: z.enum(['hold-until-tests', 'release-after-deploy']).default('hold-until-tests'),
  tests: WaitPolicy.default({ expiresAfter: '2h', onExpiry: 'fail' }),
  approval: WaitPolicy.omit({ onExpiry: true }).default({ expiresAfter: '7d' }),
});

export const ServiceConfig = z.strictObject({
  /** Octopush concurrency group: services of one group may share a pre-prod environment. */
  group: z.union([z.number().int(), z.string()]).default(0),
  pipeline: z.array(name).min(1).optional(),
  /** Who may approve Go Live (token names); empty means anyone with deploy:approve for this service. */
  approvers: z.array(z.string()).default([]),
  approvalsRequired: z.number().int().min(1).default(1),
  /** Deployer per environment; the key "*" applies to environments not named. */
  deploy: z.record(z.string(), Deployer),
  // Each policy given here replaces that policy only; zod's defaults must not refill the others.
  policies: z
    .strictObject({
      lock: Policies.shape.lock.unwrap().optional(),
      tests: WaitPolicy.optional(),
      approval: WaitPolicy.omit({ onExpiry: true }).optional(),
    })
    .optional(),
});

const jobPath = z
  .string()
  .regex(/^[A-Za-z0-9][A-Za-z0-9._-]*(\/[A-Za-z0-9][A-Za-z0-9._-]*)*$/, 'a job path such as team/shop/ci');

/** A code host that sends webhooks (/hooks/<name>) and receives commit statuses. */
export const ForgeConfig = z.strictObject({
  vendor: z.enum(['github', 'gitlab', 'gitea', 'bitbucket']),
  /** Variable holding the webhook secret: the HMAC key (GitHub, Gitea, Bitbucket) or the token (GitLab). */
  secretEnv: z.string().min(1),
  /** REST API base for commit statuses and issues, e.g. https://api.github.com; absent → no statuses. */
  apiUrl: z.url().optional(),
  tokenEnv: z.string().optional(),
  /** Deliveries accepted per minute from one source address before 429. */
  rateLimitPerMinute: z.number().int().positive().default(600),
});

/** Octopush-era "job linking": what a repository's pull requests and branch pushes build. */
export const RepositoryConfig = z.strictObject({
  /** The forge that sends this repository's webhooks; absent for a plain git repository that is polled. */
  forge: name.optional(),
  /** Variable holding this repository's own webhook secret: its deliveries verify with it, not the forge's. */
  secretEnv: z.string().min(1).optional(),
  /** Poll a plain git repository with `git ls-remote` on a Temporal schedule. */
  poll: z.strictObject({ url: z.string().min(1), every: duration.default('1m') }).optional(),
  /**
   * Each pull request gets its own copy of this job: <job>/pr-<number>. Its builds are untrusted (no
   * secret parameters, no artifacts) unless `trustSameRepository` trusts pull requests whose head
   * branch is in this very repository; a pull request from a fork is never trusted.
   */
  pullRequests: z
    .strictObject({
      job: jobPath,
      supersede: z.boolean().default(true),
      trustSameRepository: z.boolean().default(false),
    })
    .optional(),
  /** Each branch gets its own copy: <job>/branch-<name>. `only` lists branch globs (default: all). */
  branches: z.strictObject({ job: jobPath, only: z.array(z.string().min(1)).optional() }).optional(),
  /** The context name of commit statuses. */
  statusContext: z.string().min(1).default('slipway'),
});

export const AuthConfig = z.strictObject({
  /** Scopes granted to callers without a token. Octopush's routes had no tokens for request, report
   * and status: list deploy:request, deploy:report and read here to point unchanged scripts at Slipway. */
  anonymous: z.array(z.enum(['read', 'deploy:request', 'deploy:report'])).default([]),
  /** Who may request a deployment that goes straight to live (a direct-to-live service, a rollback):
   * approvers (deploy:approve for the service, and a name on its approvers list, if it has one), or
   * requesters (deploy:request alone, as before issue 12: a requester puts code live unapproved). */
  directToLive: z.enum(['approvers', 'requesters']).default('approvers'),
});

export const SlipwayConfig = z.strictObject({
  auth: AuthConfig.default({ anonymous: [], directToLive: 'approvers' }),
  environments: z
    .record(name, EnvironmentConfig)
    .default({ preprod: { concurrency: 'groups' }, live: { concurrency: 'exclusive' } }),
  pipeline: z.array(name).min(1).default(['preprod', 'live']),
  policies: Policies.default({
    lock: 'hold-until-tests',
    tests: { expiresAfter: '2h', onExpiry: 'fail' },
    approval: { expiresAfter: '7d' },
  }),
  jenkins: z.record(name, JenkinsServer).default({}),
  /** Octopush's direct-to-live list: these services skip pre-prod. */
  'direct-to-live': z.array(name).default([]),
  services: z.record(name, ServiceConfig),
  forges: z.record(name, ForgeConfig).default({}),
  /** Keyed by the repository's full name (owner/name; GitLab: group/…/project). */
  repositories: z.record(z.string(), RepositoryConfig).default({}),
  /** Confinement of build containers (limits, network, root): domain/build-limits.ts. */
  builds: BuildsConfig.default(BuildsConfig.parse({})),
  /** The dashboard's sign-in (domain/ui-config.ts). */
  ui: UiConfig.default({}),
});

export type SlipwayConfig = z.infer<typeof SlipwayConfig>;
export type ServiceConfig = z.infer<typeof ServiceConfig>;
export type Deployer = z.infer<typeof Deployer>;
export type JenkinsDeployer = z.infer<typeof JenkinsDeployer>;
export type DockerDeployer = z.infer<typeof DockerDeployer>;
export type JobDeployer = z.infer<typeof JobDeployer>;
export type EnvironmentConfig = z.infer<typeof EnvironmentConfig>;
export type ForgeConfig = z.infer<typeof ForgeConfig>;
export type RepositoryConfig = z.infer<typeof RepositoryConfig>;
