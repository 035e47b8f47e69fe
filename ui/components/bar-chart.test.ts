import { describe, expect, it } from 'vitest';
import { BarChart, niceDuration, niceMax } from './bar-chart.js';

describe('axis maxima', () => {
  it('rounds counts up to 1, 2 or 5 × 10^n', () => {
    expect([0, 0.3, 1, 3, 7, 11, 203, 5000].map(niceMax)).toEqual([1, 0.5, 1, 5, 10, 20, 500, 5000]);
  });
  it('rounds durations up to whole minutes, hours, days or weeks', () => {
    expect([1, 61, 2000, 39_000, 90_000, 700_000].map(niceDuration)).toEqual([60, 120, 3600, 43200, 172800, 1_209_600]);
  });
});

describe('BarChart', () => {
  it('draws one titled bar per bucket, no bar for a missing value, escapes text, and uses no style attribute', async () => {
    const html = String(
      await BarChart({
        id: 'c',
        title: 'Lead <time>',
        description: 'per day',
        bars: [
          { label: '2025-03-01', tick: '03-01', value: 10, text: '10' },
          { label: '2025-03-02', value: null, text: '–' },
          { label: '2025-03-03', value: 5, text: '5 "x"' },
        ],
        axisText: (v) => `${v}`,
      }).toString(),
    );
    expect(html).toContain('aria-labelledby="c-title c-desc"');
    expect(html).toContain('<title id="c-title">Lead &lt;time&gt;</title>');
    expect(html).toContain('<title>2025-03-03: 5 &quot;x&quot;</title>');
    expect(html).toContain('<g class="bar bar-empty"><title>2025-03-02: –</title>');
    expect(html.match(/<rect /g)).toHaveLength(3);
    expect(html).toContain('>03-01</text>');
    expect(html).not.toMatch(/style=/);
    // The tallest bar (10) reaches the axis maximum (10): from y=12 down to the axis at 208.
    expect(html).toContain('y="12.0" width=');
  });
});
