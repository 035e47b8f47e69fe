import { expect, it } from 'vitest';
import { boardEnvironments } from './board-environments.js';
import type { SlipwayConfig } from './config.js';

const config = (pipeline: string[], services: Array<string[] | undefined>) =>
  ({
    pipeline,
    services: Object.fromEntries(services.map((p, i) => [`s${i}`, { pipeline: p }])),
  }) as unknown as SlipwayConfig;

it('is the default pipeline when no service has its own', () => {
  expect(boardEnvironments(config(['preprod', 'live'], [undefined]))).toEqual(['preprod', 'live']);
});

it("places a service pipeline's own environments after their predecessor, in order", () => {
  expect(
    boardEnvironments(
      config(
        ['preprod', 'live'],
        [
          ['dev', 'qa', 'preprod', 'live'],
          ['preprod', 'canary', 'live'],
        ],
      ),
    ),
  ).toEqual(['dev', 'qa', 'preprod', 'canary', 'live']);
  expect(boardEnvironments(config(['preprod', 'live'], [['sandbox']]))).toEqual(['sandbox', 'preprod', 'live']);
});
