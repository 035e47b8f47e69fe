// A small server-rendered bar chart: one bar per bucket, a value axis from 0 to a round maximum,
// labels under some bars. Geometry is in SVG attributes and looks in classes (the CSP allows no
// style attributes). Screen readers get the chart's <title> and <desc>, each bar its own <title>;
// pages show the same numbers in a table as well.

export interface Bar {
  /** The bucket, e.g. 2025-03-10. */
  label: string;
  /** A shorter label under the bar (e.g. 03-10); default: label. */
  tick?: string;
  /** null: nothing to measure in this bucket (no bar, unlike a 0). */
  value: number | null;
  /** The value as people read it, e.g. "3", "42 %", "1 h 5 min". */
  text: string;
}

export interface BarChartProps {
  /** Unique on the page: ids of the chart's title and description derive from it. */
  id: string;
  title: string;
  description: string;
  bars: Bar[];
  /** Formats an axis value (the maximum) as people read it. */
  axisText: (value: number) => string;
  /** Draws the value axis up to at least this, e.g. 1 for a rate. */
  minMax?: number;
  /** Rounds the largest value up to the axis maximum; default niceMax (1, 2 or 5 × 10^n). */
  axisMax?: (value: number) => number;
}

const WIDTH = 600;
const HEIGHT = 240;
const LEFT = 120; // room for the value axis labels
const BOTTOM = 32; // room for the bucket labels
const TOP = 12;
const MAX_LABELS = 6;

/** Axis maxima for durations in seconds: whole minutes, hours and days people read at a glance. */
const durationSteps = [60, 120, 300, 600, 900, 1800, 3600, 7200, 10800, 21600, 43200, 86400, 172800, 259200, 604800];

/** The smallest round duration (1 min … 7 d, then whole weeks) at or above `seconds`. */
export function niceDuration(seconds: number): number {
  const step = durationSteps.find((s) => s >= seconds);
  return step ?? Math.ceil(seconds / 604800) * 604800;
}

/** The smallest 1, 2 or 5 × 10^n at or above `value`: an axis maximum people can read. */
export function niceMax(value: number): number {
  if (!(value > 0)) return 1;
  const power = 10 ** Math.floor(Math.log10(value));
  for (const step of [1, 2, 5, 10]) if (step * power >= value) return step * power;
  return 10 * power;
}

export function BarChart(props: BarChartProps) {
  const values = props.bars.map((b) => b.value ?? 0);
  const max = (props.axisMax ?? niceMax)(Math.max(props.minMax ?? 0, ...values));
  const plotWidth = WIDTH - LEFT;
  const plotHeight = HEIGHT - TOP - BOTTOM;
  const slot = plotWidth / Math.max(1, props.bars.length);
  const barWidth = Math.max(1, slot * 0.7);
  const labelEvery = Math.ceil(props.bars.length / MAX_LABELS);
  const y = (v: number) => TOP + plotHeight - (v / max) * plotHeight;
  const titleId = `${props.id}-title`;
  const descId = `${props.id}-desc`;
  return (
    <figure class="bar-chart">
      <svg
        viewBox={`0 0 ${WIDTH} ${HEIGHT}`}
        role="img"
        aria-labelledby={`${titleId} ${descId}`}
        preserveAspectRatio="xMidYMid meet"
      >
        <title id={titleId}>{props.title}</title>
        <desc id={descId}>{props.description}</desc>
        <g class="axis">
          <line x1={LEFT} y1={TOP} x2={LEFT} y2={TOP + plotHeight} />
          <line x1={LEFT} y1={TOP + plotHeight} x2={WIDTH} y2={TOP + plotHeight} />
          <line class="grid" x1={LEFT} y1={TOP} x2={WIDTH} y2={TOP} />
          <text x={LEFT - 8} y={TOP + 8} text-anchor="end">
            {props.axisText(max)}
          </text>
          <text x={LEFT - 8} y={TOP + plotHeight} text-anchor="end">
            {props.axisText(0)}
          </text>
        </g>
        <g class="bars">
          {props.bars.map((bar, i) => {
            const x = LEFT + i * slot + (slot - barWidth) / 2;
            const top = y(bar.value ?? 0);
            return (
              <g class={bar.value === null ? 'bar bar-empty' : 'bar'}>
                <title>{`${bar.label}: ${bar.text}`}</title>
                <rect
                  x={x.toFixed(1)}
                  y={top.toFixed(1)}
                  width={barWidth.toFixed(1)}
                  height={(TOP + plotHeight - top).toFixed(1)}
                />
                {i % labelEvery === 0 ? (
                  <text class="bar-label" x={(x + barWidth / 2).toFixed(1)} y={HEIGHT - 8} text-anchor="middle">
                    {bar.tick ?? bar.label}
                  </text>
                ) : null}
              </g>
            );
          })}
        </g>
      </svg>
      <figcaption>{props.title}</figcaption>
    </figure>
  );
}
