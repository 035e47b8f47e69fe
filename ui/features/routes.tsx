import { Hono } from 'hono';
import type { ApiDeps } from '../../api/deps.js';
import { releasesOf } from '../../db/deployments.js';
import { findFeature, listFeatures } from '../../db/features.js';
import type { UiEnv } from '../env.js';
import { PageError } from '../errors.js';
import { requireViewer } from '../guard.js';
import { Layout } from '../layout.js';
import { FeatureList, FeaturePage, type Placement } from './feature-page.js';

// /features and /features/:key, from the same queries as the API's /v1/features.

export function featuresPages(deps: Pick<ApiDeps, 'db'>) {
  const { db } = deps;
  const app = new Hono<UiEnv>();

  app.get('/features', async (c) => {
    requireViewer(c, 'read');
    const features = await listFeatures(db);
    return c.html(
      <Layout title="Features" viewer={c.get('viewer')} csrfToken={c.get('csrfToken')} active="/features">
        <FeatureList features={features} />
      </Layout>,
    );
  });

  app.get('/features/:key', async (c) => {
    requireViewer(c, 'read');
    const key = c.req.param('key');
    const report = await findFeature(db, key);
    if (!report) throw new PageError(404, 'Not found', `There is no feature ${key}.`);
    // Each environment's newest release of the service says whether the feature's version still runs there.
    const placements: Placement[] = [];
    for (const r of report.releases) {
      const [current] = await releasesOf(db, r.environment, r.service, 1);
      placements.push({ ...r, current: current?.version ?? null });
    }
    return c.html(
      <Layout title={key} viewer={c.get('viewer')} csrfToken={c.get('csrfToken')} active="/features">
        <FeaturePage report={report} placements={placements} />
      </Layout>,
    );
  });

  return app;
}
