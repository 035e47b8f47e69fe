import type { SlipwayConfig } from './config.js';

// The environments of the dashboard's board, left to right in pipeline order: the default pipeline,
// with the environments that only services' own pipelines name placed after their predecessor there
// (Octopush's staging | prod columns, generalised to any pipelines).

export function boardEnvironments(config: SlipwayConfig): string[] {
  const order = [...config.pipeline];
  const pipelines = Object.values(config.services).flatMap((s) => (s.pipeline ? [s.pipeline] : []));
  for (const pipeline of pipelines) {
    pipeline.forEach((environment, i) => {
      if (order.includes(environment)) return;
      // After the nearest earlier environment of this pipeline already placed; first when none is.
      const before = pipeline
        .slice(0, i)
        .reverse()
        .find((e) => order.includes(e));
      order.splice(before === undefined ? 0 : order.indexOf(before) + 1, 0, environment);
    });
  }
  return order;
}
