// The dashboard bench's data, made by Postgres itself (generate_series), in seconds: deployments
// with their transitions and releases over 90 days, CI jobs with their builds, and every build's
// log, one line per stored chunk (what a step printing slowly leaves: the most rows per line).
import postgres from 'postgres';

export interface UiSeedSize {
  deployments: number;
  /** Of them, this many still under way (the newest). */
  active: number;
  services: number;
  builds: number;
  jobs: number;
  logLinesPerBuild: number;
  /** Commands per build; log lines are spread evenly over them. */
  commandsPerBuild: number;
}

export const defaultSeedSize: UiSeedSize = {
  deployments: 10_000,
  active: 40,
  services: 50,
  builds: 2_000,
  jobs: 20,
  logLinesPerBuild: 500,
  commandsPerBuild: 5,
};

export const seedServiceName = (i: number) => `svc-${String(i).padStart(3, '0')}`;
export const seedDeploymentId = (i: number) => `bench-dep-${i}`;
export const seedBuildId = (i: number) => `bench-build-${i}`;

/** Fills the (migrated, empty) database at `url`; returns how long each part took. */
export async function seedUiData(url: string, size: UiSeedSize): Promise<Record<string, number>> {
  const sql = postgres(url, { max: 1, onnotice: () => {} });
  const took: Record<string, number> = {};
  const timed = async (what: string, run: () => Promise<unknown>) => {
    const started = performance.now();
    await run();
    took[what] = Math.round(performance.now() - started);
  };
  try {
    await timed('deployments', () => seedDeployments(sql, size));
    await timed('transitions', () => seedTransitions(sql));
    await timed('releases', () => seedReleases(sql));
    await timed('builds', () => seedBuilds(sql, size));
    await timed('log lines', () => seedLogs(sql, size));
    await timed('analyze', () => sql`analyze`);
  } finally {
    await sql.end();
  }
  return took;
}

/**
 * Deployment i (1 = oldest) of service i mod S, requested 90 days × (n − i) / n ago. Finished ones:
 * every 17th failed its pre-prod deploy, every 23rd its tests, the rest went live. The newest
 * `active` are queued, awaiting tests, awaiting Go Live or queued for live, in turn.
 */
async function seedDeployments(sql: postgres.Sql, size: UiSeedSize) {
  const n = size.deployments;
  await sql`
    with d as (
      select i,
             now() - make_interval(secs => (${n} - i) * (90 * 86400.0 / ${n})) as requested,
             case
               when i > ${n - size.active} then (array['QUEUED', 'PENDING_TESTS', 'TESTS_PASSED', 'QUEUED_FOR_LIVE'])[1 + i % 4]
               when i % 17 = 0 then 'DEPLOY_FAILED'
               when i % 23 = 0 then 'TESTS_FAILED'
               else 'GO_LIVE_DONE'
             end as status
      from generate_series(1, ${n}) i
    ),
    e as (
      select d.*,
             requested + interval '2 minutes' as pre_done,
             requested + interval '40 minutes' as live_done,
             case status when 'QUEUED' then 'queued' when 'PENDING_TESTS' then 'awaiting-tests'
                         when 'TESTS_PASSED' then 'awaiting-approval' when 'QUEUED_FOR_LIVE' then 'queued'
                         else 'finished' end as phase
      from d
    )
    insert into deployments (id, number, service, version, requestor, request_key, status, phase, environment,
                             outcome, waiting_on, environments, approvals, test_job_url, seq, created_at, updated_at)
    select 'bench-dep-' || i, i, 'svc-' || lpad((i % ${size.services})::text, 3, '0'), '1.' || i || '.0',
           'dev-' || (i % 20), 'bench-dep-' || i, status, phase,
           case when status in ('GO_LIVE_DONE', 'QUEUED_FOR_LIVE') then 'live' else 'preprod' end,
           case phase when 'finished' then jsonb_build_object(
             'status', case status when 'GO_LIVE_DONE' then 'succeeded' else 'failed' end,
             'message', case status when 'GO_LIVE_DONE' then 'live' when 'DEPLOY_FAILED' then 'deploy failed'
                                    else 'tests failed' end) end,
           case status
             when 'QUEUED' then jsonb_build_object('kind', 'lock', 'environment', 'preprod', 'since', requested)
             when 'PENDING_TESTS' then jsonb_build_object('kind', 'tests', 'environment', 'preprod',
                                          'dueAt', requested + interval '1 day', 'onExpiry', 'fail')
             when 'TESTS_PASSED' then jsonb_build_object('kind', 'approval', 'environment', 'live', 'approvalsNeeded', 1,
                                          'approvers', jsonb_build_array('lead'), 'dueAt', requested + interval '7 days')
             when 'QUEUED_FOR_LIVE' then jsonb_build_object('kind', 'lock', 'environment', 'live', 'since', requested)
           end,
           jsonb_build_array(
             case when status = 'QUEUED' then jsonb_build_object('environment', 'preprod', 'state', 'queued', 'queuedAt', requested)
                  else jsonb_build_object('environment', 'preprod',
                         'state', case status when 'DEPLOY_FAILED' then 'failed' else 'deployed' end,
                         'queuedAt', requested, 'startedAt', requested + interval '5 seconds', 'finishedAt', pre_done,
                         'message', 'deployed by jenkins',
                         'output', repeat('deploy step output for ' || i || E'\n', 20),
                         'jenkins', jsonb_build_object('buildNumber', i, 'buildUrl', 'http://jenkins.example/job/deploy/' || i || '/',
                                                       'consoleUrl', 'http://jenkins.example/job/deploy/' || i || '/console', 'result', 'SUCCESS'))
                       || case when status in ('PENDING_TESTS', 'DEPLOY_FAILED') then '{}'::jsonb
                               else jsonb_build_object('tests', jsonb_build_object('passed', status <> 'TESTS_FAILED',
                                                        'at', pre_done + interval '10 minutes', 'by', 'ci')) end
             end,
             case when status = 'GO_LIVE_DONE'
                    then jsonb_build_object('environment', 'live', 'state', 'deployed', 'queuedAt', pre_done,
                           'startedAt', live_done - interval '1 minute', 'finishedAt', live_done, 'message', 'deployed by jenkins',
                           'output', repeat('live deploy output for ' || i || E'\n', 20))
                  when status = 'QUEUED_FOR_LIVE' then jsonb_build_object('environment', 'live', 'state', 'queued', 'queuedAt', pre_done)
                  else jsonb_build_object('environment', 'live', 'state', 'pending') end),
           case when status in ('GO_LIVE_DONE', 'QUEUED_FOR_LIVE') then jsonb_build_array(jsonb_build_object('by', 'lead', 'at', pre_done))
                else '[]'::jsonb end,
           'http://jenkins.example/job/tests/' || i || '/',
           6, requested,
           case phase when 'finished' then live_done else requested end
    from e`;
  await sql`select setval(pg_get_serial_sequence('deployments', 'number'), ${n})`;
}

/** The audit trail each seeded status implies: one row per status passed through. */
async function seedTransitions(sql: postgres.Sql) {
  await sql`
    with path(status, step, to_status, phase, reason) as (values
      ('*', 1, 'QUEUED', 'queued', 'requested'),
      ('*', 2, 'DEPLOYING', 'deploying', 'deploying to preprod'),
      ('*', 3, 'PENDING_TESTS', 'awaiting-tests', 'deployed to preprod'),
      ('pass', 4, 'TESTS_PASSED', 'awaiting-approval', 'tests passed'),
      ('live', 5, 'QUEUED_FOR_LIVE', 'queued', 'Go Live by lead'),
      ('live', 6, 'GOING_LIVE', 'deploying', 'deploying to live'),
      ('done', 7, 'GO_LIVE_DONE', 'finished', 'live'))
    insert into deployment_transitions (deployment_id, seq, from_status, to_status, phase, actor, reason, at)
    select d.id, p.step, lag(p.to_status) over (partition by d.id order by p.step), p.to_status, p.phase,
           case p.step when 1 then d.requestor when 5 then 'lead' else 'slipway' end, p.reason,
           d.created_at + make_interval(mins => p.step * 5)
    from deployments d
    join path p on p.step <= case d.status
      when 'QUEUED' then 1 when 'DEPLOY_FAILED' then 2 when 'PENDING_TESTS' then 3 when 'TESTS_FAILED' then 3
      when 'TESTS_PASSED' then 4 when 'QUEUED_FOR_LIVE' then 5 else 7 end
    where d.id like 'bench-dep-%'`;
}

/** What reached where: one row per environment a seeded deployment was deployed to. */
async function seedReleases(sql: postgres.Sql) {
  await sql`
    insert into releases (environment, service, version, deployment_id, at)
    select e->>'environment', d.service, d.version, d.id, (e->>'finishedAt')::timestamptz
    from deployments d cross join lateral jsonb_array_elements(d.environments) e
    where e->>'state' = 'deployed' and d.id like 'bench-dep-%'
    order by (e->>'finishedAt')::timestamptz`;
}

/** Jobs `team/app-NN/build`, each with builds numbered 1…; every 10th build failed. */
async function seedBuilds(sql: postgres.Sql, size: UiSeedSize) {
  const definition = {
    title: 'Build and test',
    image: 'slipway/step:busybox',
    stages: Object.fromEntries(
      Array.from({ length: size.commandsPerBuild }, (_, s) => [`stage-${s}`, { steps: { run: `make part-${s}` } }]),
    ),
  };
  await sql`
    insert into jobs (path, definition, next_number)
    select 'team/app-' || lpad(j::text, 2, '0') || '/build', ${sql.json(definition)},
           ${Math.ceil(size.builds / size.jobs)} + 1
    from generate_series(0, ${size.jobs - 1}) j`;
  await sql`
    insert into builds (id, job_path, number, status, parameters, definition, commit, ref, host, commands,
                        triggered_by, seq, created_at, started_at, finished_at)
    select 'bench-build-' || i, 'team/app-' || lpad((i % ${size.jobs})::text, 2, '0') || '/build', i / ${size.jobs} + 1,
           case when i % 10 = 0 then 'failed' else 'succeeded' end,
           jsonb_build_object('TARGET', 'release', 'TOKEN', '***'), ${sql.json(definition)},
           md5(i::text) || substr(md5(i::text), 1, 8), 'refs/heads/main', 'host-1',
           (select jsonb_agg(jsonb_build_object('key', 'stage-' || s || '/run', 'stage', 'stage-' || s, 'step', 'run',
                                                'kind', 'step',
                                                'status', case when i % 10 = 0 and s = ${size.commandsPerBuild - 1}
                                                               then 'failed' else 'succeeded' end,
                                                'exitCode', case when i % 10 = 0 and s = ${size.commandsPerBuild - 1}
                                                                 then 2 else 0 end,
                                                'startedAt', now() - make_interval(mins => ${size.builds} - i) + make_interval(secs => s * 10),
                                                'finishedAt', now() - make_interval(mins => ${size.builds} - i) + make_interval(secs => s * 10 + 9))
                                              order by s)
            from generate_series(0, ${size.commandsPerBuild - 1}) s),
           'push', 4,
           now() - make_interval(mins => ${size.builds} - i),
           now() - make_interval(mins => ${size.builds} - i),
           now() - make_interval(mins => ${size.builds} - i) + make_interval(secs => ${size.commandsPerBuild} * 10)
    from generate_series(0, ${size.builds - 1}) i`;
}

/**
 * Each build's log: `logLinesPerBuild` lines spread over its commands, one line (with ANSI colours
 * every 7th) per chunk, at its byte offset in the command's log. Lines have a fixed width, so the
 * offset of line k of a command is k × that width.
 */
async function seedLogs(sql: postgres.Sql, size: UiSeedSize) {
  const perCommand = Math.ceil(size.logLinesPerBuild / size.commandsPerBuild);
  // 64 bytes a line: 'line NNNNN of build NNNNN ' padded, then a marker, then \n.
  await sql`
    insert into build_log_chunks (build_id, command_key, "offset", text, at)
    select 'bench-build-' || b, 'stage-' || (l / ${perCommand}) || '/run', (l % ${perCommand}) * 64,
           rpad(case when l % 7 = 0 then E'\u001b[32mok\u001b[0m ' else 'ok      ' end
                || 'line ' || lpad(l::text, 5, '0') || ' of build ' || lpad(b::text, 5, '0') || ' ', 63, '.') || E'\n',
           now() - make_interval(mins => ${size.builds} - b) + make_interval(secs => l / 50)
    from generate_series(0, ${size.builds - 1}) b, generate_series(0, ${size.logLinesPerBuild - 1}) l
    order by b, l`;
}
