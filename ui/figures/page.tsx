import type { DeliveryFigures, DeliveryReport } from '../../db/delivery-figures.js';
import { BarChart, niceDuration, type Bar } from '../components/bar-chart.js';
import { formatDuration, formatRate, NO_FIGURE } from './format.js';
import { WINDOWS, type FiguresForm } from './query.js';

// The figures page's content: the GET form, the four figures of the window, a chart of each per
// bucket, and the same numbers as tables (per bucket, per service and environment).

export interface FiguresPageProps {
  form: FiguresForm;
  report: DeliveryReport;
  services: string[];
  environments: string[];
}

const duration = (v: DeliveryFigures['leadTime']) => (v ? formatDuration(v.median) : NO_FIGURE);
const p90 = (v: DeliveryFigures['leadTime']) => (v ? formatDuration(v.p90) : NO_FIGURE);
const rate = (f: DeliveryFigures) => (f.changeFailureRate === null ? NO_FIGURE : formatRate(f.changeFailureRate));
const restore = (f: DeliveryFigures) =>
  f.timeToRestore ? formatDuration(f.timeToRestore.median) : f.unrestored ? 'not restored' : NO_FIGURE;

function Choice(props: { name: string; label: string; value: string | null; options: string[]; all: string }) {
  // A value from the address that the configuration no longer names stays selectable.
  const options = props.value && !props.options.includes(props.value) ? [...props.options, props.value] : props.options;
  return (
    <label>
      {props.label}
      <select name={props.name}>
        <option value="" selected={props.value === null}>
          {props.all}
        </option>
        {options.map((o) => (
          <option value={o} selected={o === props.value}>
            {o}
          </option>
        ))}
      </select>
    </label>
  );
}

function FiguresFormView(props: FiguresPageProps) {
  const { form } = props;
  return (
    <form method="get" action="/figures" class="figures-form">
      <label>
        Window
        <select name="window">
          {Object.keys(WINDOWS).map((w) => (
            <option value={w} selected={w === form.window}>{`last ${w.replace('d', ' days')}`}</option>
          ))}
        </select>
      </label>
      <label>
        By
        <select name="bucket">
          <option value="" selected={!form.bucketChosen}>
            usual (days, weeks for 90 days)
          </option>
          <option value="day" selected={form.bucketChosen && form.bucket === 'day'}>
            day
          </option>
          <option value="week" selected={form.bucketChosen && form.bucket === 'week'}>
            week
          </option>
        </select>
      </label>
      <Choice name="service" label="Service" value={form.service} options={props.services} all="all services" />
      <Choice
        name="environment"
        label="Environment"
        value={form.environment}
        options={props.environments}
        all="all environments"
      />
      <button type="submit">Show</button>
    </form>
  );
}

function Summary(props: { total: DeliveryFigures; days: number }) {
  const { total } = props;
  return (
    <dl class="figures-summary">
      <div>
        <dt>Deployments</dt>
        <dd>{`${total.deployments} (${(total.deployments / props.days).toFixed(1)} a day)`}</dd>
      </div>
      <div>
        <dt>Lead time, request to deployed (median · p90)</dt>
        <dd>{`${duration(total.leadTime)} · ${p90(total.leadTime)}`}</dd>
      </div>
      <div>
        <dt>Change failure rate</dt>
        <dd>{`${rate(total)} (${total.failed} of ${total.finished})`}</dd>
      </div>
      <div>
        <dt>Time to restore (median · p90)</dt>
        <dd>
          {`${duration(total.timeToRestore)} · ${p90(total.timeToRestore)}`}
          {total.unrestored ? `; ${total.unrestored} not restored` : ''}
        </dd>
      </div>
    </dl>
  );
}

function Charts(props: { report: DeliveryReport; scope: string }) {
  const { report, scope } = props;
  const per = report.bucket === 'week' ? 'week (from Monday)' : 'day';
  const bars = (value: (b: DeliveryFigures) => number | null, text: (b: DeliveryFigures) => string): Bar[] =>
    report.buckets.map((b) => ({ label: b.start, tick: b.start.slice(5), value: value(b), text: text(b) }));
  const about = (what: string) =>
    `${what} per ${per} for ${scope}, ${report.from.slice(0, 10)} to ${report.to.slice(0, 10)}`;
  return (
    <div class="figures-charts">
      <BarChart
        id="chart-deployments"
        title="Deployments"
        description={about('Deployments')}
        bars={bars(
          (b) => b.deployments,
          (b) => String(b.deployments),
        )}
        axisText={(v) => String(v)}
      />
      <BarChart
        id="chart-lead-time"
        title="Lead time (median)"
        description={about('Median lead time from request to deployed')}
        bars={bars(
          (b) => b.leadTime?.median ?? null,
          (b) => duration(b.leadTime),
        )}
        axisText={formatDuration}
        axisMax={niceDuration}
      />
      <BarChart
        id="chart-failure-rate"
        title="Change failure rate"
        description={about('Share of finished deployments that failed or were rolled back')}
        bars={bars(
          (b) => b.changeFailureRate,
          (b) => rate(b),
        )}
        axisText={formatRate}
        minMax={1}
      />
      <BarChart
        id="chart-restore"
        title="Time to restore (median)"
        description={about('Median time from a failed change to the next good deployment')}
        bars={bars(
          (b) => b.timeToRestore?.median ?? null,
          (b) => restore(b),
        )}
        axisText={formatDuration}
        axisMax={niceDuration}
      />
    </div>
  );
}

function FigureCells(props: { f: DeliveryFigures }) {
  const { f } = props;
  return (
    <>
      <td>{f.deployments}</td>
      <td>{duration(f.leadTime)}</td>
      <td>{p90(f.leadTime)}</td>
      <td>{`${rate(f)} (${f.failed}/${f.finished})`}</td>
      <td>{restore(f)}</td>
    </>
  );
}

function FigureHeads() {
  return (
    <>
      <th scope="col">Deployments</th>
      <th scope="col">Lead time median</th>
      <th scope="col">Lead time p90</th>
      <th scope="col">Change failure rate</th>
      <th scope="col">Time to restore median</th>
    </>
  );
}

export function FiguresContent(props: FiguresPageProps) {
  const { report, form } = props;
  const scope = `${form.service ?? 'all services'} in ${form.environment ?? 'all environments'}`;
  const days = Math.max(1 / 24, (Date.parse(report.to) - Date.parse(report.from)) / 86_400_000);
  return (
    <>
      <h1>Delivery figures</h1>
      <FiguresFormView {...props} />
      <p class="figures-scope">
        {`${scope}, ${report.from.slice(0, 10)} to ${report.to.slice(0, 10)} (UTC), by ${report.bucket}.`}
      </p>
      {report.total.finished === 0 ? (
        <p class="empty-state">{`No deployment finished for ${scope} in this window.`}</p>
      ) : (
        <>
          <Summary total={report.total} days={days} />
          <Charts report={report} scope={scope} />
          <div class="table-wrap">
            <table>
              <caption>{`Per ${report.bucket}`}</caption>
              <thead>
                <tr>
                  <th scope="col">{report.bucket === 'week' ? 'Week of' : 'Day'}</th>
                  <FigureHeads />
                </tr>
              </thead>
              <tbody>
                {report.buckets.map((b) => (
                  <tr>
                    <th scope="row">{b.start}</th>
                    <FigureCells f={b} />
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
          <div class="table-wrap">
            <table>
              <caption>Per service and environment</caption>
              <thead>
                <tr>
                  <th scope="col">Service</th>
                  <th scope="col">Environment</th>
                  <FigureHeads />
                </tr>
              </thead>
              <tbody>
                {report.pairs.map((p) => (
                  <tr>
                    <th scope="row">{p.service}</th>
                    <td>{p.environment}</td>
                    <FigureCells f={p} />
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        </>
      )}
      <p class="figures-help">
        A deployment counts in each environment it reached or failed in. Failed changes: the deploy failed or errored,
        the tests failed there, or a rollback replaced it. Time to restore runs to the next good deployment of the
        service in that environment.
      </p>
    </>
  );
}
