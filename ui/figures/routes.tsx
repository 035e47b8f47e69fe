import { Hono } from 'hono';
import type { ApiDeps } from '../../api/deps.js';
import { deliveryFigures } from '../../db/delivery-figures.js';
import { pipelineOf } from '../../domain/service-plan.js';
import type { UiEnv } from '../env.js';
import { PageError } from '../errors.js';
import { requireViewer } from '../guard.js';
import { Layout } from '../layout.js';
import { FiguresContent } from './page.js';
import { parseFiguresForm, WINDOWS } from './query.js';

// /figures: delivery figures per service and environment over a chosen window, read with the
// `read` scope (for the chosen service; all services need it unrestricted).

/** The configured environments in pipeline order, each once. */
function environmentsOf(config: ApiDeps['config']): string[] {
  const seen = new Set<string>();
  for (const service of Object.keys(config.services)) for (const env of pipelineOf(config, service)) seen.add(env);
  return [...seen];
}

export function figuresPages(deps: ApiDeps): Hono<UiEnv> {
  const app = new Hono<UiEnv>();
  app.get('/figures', async (c) => {
    const parsed = parseFiguresForm(c.req.query());
    if (!parsed.ok) throw new PageError(400, 'Bad request', parsed.message);
    const { form } = parsed;
    requireViewer(c, 'read', form.service ?? undefined);
    const report = await deliveryFigures(deps.db, {
      days: WINDOWS[form.window],
      bucket: form.bucket,
      ...(form.service ? { service: form.service } : {}),
      ...(form.environment ? { environment: form.environment } : {}),
    });
    return c.html(
      <Layout title="Delivery figures" viewer={c.get('viewer')} csrfToken={c.get('csrfToken')} active="/figures">
        <FiguresContent
          form={form}
          report={report}
          services={Object.keys(deps.config.services).sort()}
          environments={environmentsOf(deps.config)}
        />
      </Layout>,
    );
  });
  return app;
}
