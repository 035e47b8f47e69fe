import { sql, type SQL } from 'drizzle-orm';
import type { Db } from './client.js';
import { rowsOf } from './rows.js';

// Delivery figures (the four DORA keys) per service and environment, computed by Postgres from the
// deployment records. One deployment's attempt at one environment is the unit:
// - it succeeded when the environment's deploy finished ('deployed', a row in releases), failed when
//   the deploy failed or errored; cancelled, skipped and unfinished attempts do not count;
// - a succeeded attempt is still a failed change when its tests failed in that environment (an
//   expired test wait is no verdict and does not count) or when the next release of the service in
//   that environment is a rollback (whichever way the rollback was asked for, it replaced this one);
// - deployment frequency counts releases (rollbacks included); lead time runs from the request to
//   the release in that environment, rollbacks left out (they skip the pipeline); change failure
//   rate is failed changes / finished attempts; time to restore runs from a failed change's finish to
//   the next attempt in the same service and environment that is not a failed change.
// Each attempt falls in the bucket (UTC day, or ISO week from Monday) of its finish.

export type FiguresBucket = 'day' | 'week';

export interface FiguresQuery {
  /** The window: this many days back from `now`'s UTC day, widened to whole buckets. */
  days: number;
  bucket: FiguresBucket;
  service?: string;
  environment?: string;
  /** The window's end; the database's clock when absent. */
  now?: Date;
}

export interface Percentiles {
  /** Seconds. */
  median: number;
  p90: number;
}

export interface DeliveryFigures {
  /** Releases: attempts that reached the environment. */
  deployments: number;
  /** Attempts that reached the environment or failed there. */
  finished: number;
  /** Failed changes: deploy failed or errored, tests failed, or rolled back. */
  failed: number;
  deployFailed: number;
  testsFailed: number;
  rolledBack: number;
  /** failed / finished; null when nothing finished. */
  changeFailureRate: number | null;
  /** Request → release in the environment, rollbacks left out; null when nothing was released. */
  leadTime: Percentiles | null;
  /** Failed change → the next good attempt; null when no failed change was restored. */
  timeToRestore: Percentiles | null;
  /** Failed changes with no good attempt after them (yet). */
  unrestored: number;
}

export interface DeliveryReport {
  from: string;
  to: string;
  bucket: FiguresBucket;
  /** Every bucket of the window, oldest first, empty ones included; `start` is its first day (YYYY-MM-DD). */
  buckets: Array<{ start: string } & DeliveryFigures>;
  /** Each service and environment with a finished attempt in the window. */
  pairs: Array<{ service: string; environment: string } & DeliveryFigures>;
  total: DeliveryFigures;
}

interface FiguresRow {
  kind: 'bucket' | 'pair' | 'total';
  bucket: string | null;
  service: string | null;
  environment: string | null;
  from_at: string;
  to_at: string;
  deployments: number;
  finished: number;
  failed: number;
  deploy_failed: number;
  tests_failed: number;
  rolled_back: number;
  lead_p50: number | null;
  lead_p90: number | null;
  restore_p50: number | null;
  restore_p90: number | null;
  unrestored: number;
}

const aggregates = sql.raw(`
  count(i.deployment_id) filter (where i.released)::int as deployments,
  count(i.deployment_id)::int as finished,
  count(i.deployment_id) filter (where i.failed)::int as failed,
  count(i.deployment_id) filter (where not i.released)::int as deploy_failed,
  count(i.deployment_id) filter (where i.tests_failed)::int as tests_failed,
  count(i.deployment_id) filter (where i.rolled_back)::int as rolled_back,
  percentile_cont(0.5) within group (order by i.lead_s)::float8 as lead_p50,
  percentile_cont(0.9) within group (order by i.lead_s)::float8 as lead_p90,
  percentile_cont(0.5) within group (order by i.restore_s)::float8 as restore_p50,
  percentile_cont(0.9) within group (order by i.restore_s)::float8 as restore_p90,
  count(i.deployment_id) filter (where i.failed and i.restored_at is null)::int as unrestored`);

function figuresStatement(q: FiguresQuery): SQL {
  const unit = q.bucket === 'week' ? 'week' : 'day';
  const now = q.now ? sql`${q.now.toISOString()}::timestamptz` : sql`now()`;
  const onRelease = [
    q.service ? sql` and r.service = ${q.service}` : sql``,
    q.environment ? sql` and r.environment = ${q.environment}` : sql``,
  ];
  const onFailure = [
    q.service ? sql` and d.service = ${q.service}` : sql``,
    q.environment ? sql` and x->>'environment' = ${q.environment}` : sql``,
  ];
  return sql`
with bounds as (
  select b.from_local at time zone 'UTC' as from_at, b.to_at, b.from_local, b.to_at at time zone 'UTC' as to_local
  from (
    select date_trunc(${unit}, ((${now} at time zone 'UTC')::date - ${Math.max(1, Math.floor(q.days)) - 1}::int)::timestamp) as from_local,
           ${now} as to_at
  ) b
),
buckets as (
  select to_char(s, 'YYYY-MM-DD') as bucket
  from bounds, generate_series(bounds.from_local, bounds.to_local, ('1 ' || ${unit})::interval) s
),
releases_in as materialized (
  select r.id, r.deployment_id, r.service, r.environment, r.at as finished_at,
         d.created_at as requested_at, d.rollback_of is not null as is_rollback,
         -- Only a deployment that ended TESTS_FAILED has failed tests: the others' environments
         -- (large, with deployer output) are never read.
         d.status = 'TESTS_FAILED' and coalesce((
           select x->'tests'->>'passed' = 'false' and coalesce(x->'tests'->>'expired', 'false') <> 'true'
           from jsonb_array_elements(d.environments) x
           where x->>'environment' = r.environment limit 1), false) as tests_failed
  from releases r join deployments d on d.id = r.deployment_id, bounds
  where r.at >= bounds.from_at${onRelease[0]}${onRelease[1]}
),
released as (
  select rel.*,
         coalesce(lead(rel.is_rollback) over (partition by rel.service, rel.environment order by rel.finished_at, rel.id),
                  false) as rolled_back
  from releases_in rel
),
failures as (
  -- A failed or errored deploy ends the deployment as DEPLOY_FAILED or GO_LIVE_FAILED (workflows/deployment.ts).
  select d.id as deployment_id, d.service, x->>'environment' as environment,
         coalesce((x->>'finishedAt')::timestamptz, d.updated_at) as finished_at
  from deployments d cross join lateral jsonb_array_elements(d.environments) x, bounds
  where d.status in ('DEPLOY_FAILED', 'GO_LIVE_FAILED') and d.updated_at >= bounds.from_at
    and x->>'state' in ('failed', 'errored')${onFailure[0]}${onFailure[1]}
),
attempts as (
  select deployment_id, service, environment, finished_at, true as released,
         tests_failed or rolled_back as failed, tests_failed, rolled_back,
         case when not is_rollback then extract(epoch from finished_at - requested_at)::float8 end as lead_s
  from released
  union all
  select deployment_id, service, environment, finished_at, false, true, false, false, null
  from failures
),
scored as (
  -- The next good attempt, walking each service and environment backwards: a frame that starts at
  -- the partition's head is aggregated incrementally (a frame that ends at its tail is not).
  select a.*,
         min(a.finished_at) filter (where not a.failed) over (
           partition by a.service, a.environment order by a.finished_at desc, a.deployment_id desc
           rows between unbounded preceding and 1 preceding) as restored_at
  from attempts a
),
inwin as (
  select s.*, to_char(date_trunc(${unit}, s.finished_at at time zone 'UTC'), 'YYYY-MM-DD') as bucket,
         case when s.failed then extract(epoch from s.restored_at - s.finished_at)::float8 end as restore_s
  from scored s, bounds
  where s.finished_at >= bounds.from_at and s.finished_at <= bounds.to_at
)
select 'bucket' as kind, b.bucket, null::text as service, null::text as environment,
       null::text as from_at, null::text as to_at, ${aggregates}
from buckets b left join inwin i on i.bucket = b.bucket
group by b.bucket
union all
select 'pair', null, i.service, i.environment, null, null, ${aggregates}
from inwin i
group by i.service, i.environment
union all
select 'total', null, null, null,
       (select to_char(from_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"') from bounds),
       (select to_char(to_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"') from bounds), ${aggregates}
from inwin i
order by kind, bucket, service, environment`;
}

function figuresOf(row: FiguresRow): DeliveryFigures {
  // Interpolated percentiles of whole seconds: to the millisecond, without float noise (4679.999…).
  const seconds = (v: number) => Math.round(Number(v) * 1000) / 1000;
  const pair = (median: number | null, p90: number | null): Percentiles | null =>
    median === null || p90 === null ? null : { median: seconds(median), p90: seconds(p90) };
  const finished = Number(row.finished);
  const failed = Number(row.failed);
  return {
    deployments: Number(row.deployments),
    finished,
    failed,
    deployFailed: Number(row.deploy_failed),
    testsFailed: Number(row.tests_failed),
    rolledBack: Number(row.rolled_back),
    changeFailureRate: finished === 0 ? null : failed / finished,
    leadTime: pair(row.lead_p50, row.lead_p90),
    timeToRestore: pair(row.restore_p50, row.restore_p90),
    unrestored: Number(row.unrestored),
  };
}

export async function deliveryFigures(db: Db, q: FiguresQuery): Promise<DeliveryReport> {
  const result: unknown = await db.execute(figuresStatement(q));
  const rows = rowsOf<FiguresRow>(result);
  const total = rows.find((r) => r.kind === 'total')!;
  return {
    from: total.from_at,
    to: total.to_at,
    bucket: q.bucket,
    buckets: rows.filter((r) => r.kind === 'bucket').map((r) => ({ start: r.bucket!, ...figuresOf(r) })),
    pairs: rows
      .filter((r) => r.kind === 'pair')
      .map((r) => ({ service: r.service!, environment: r.environment!, ...figuresOf(r) })),
    total: figuresOf(total),
  };
}
