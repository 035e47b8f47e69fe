import { Hono } from 'hono';
import type { ApiDeps } from '../../api/deps.js';
import type { UiEnv } from '../env.js';
import { requireViewer } from '../guard.js';
import { Layout } from '../layout.js';
import { loadBoard } from './board-data.js';
import { BoardView, boardFragmentUrl } from './board-view.js';

// `/`: the environments board, and the fragment live.js re-fetches when a deployment changes.

export function boardPages(deps: ApiDeps): Hono<UiEnv> {
  const app = new Hono<UiEnv>();

  app.get('/', async (c) => {
    requireViewer(c, 'read');
    const board = await loadBoard(deps);
    return c.html(
      <Layout
        title="Environments"
        viewer={c.get('viewer')}
        csrfToken={c.get('csrfToken')}
        active="/"
        scripts={['live.js']}
      >
        <h1>Environments</h1>
        <BoardView board={board} />
      </Layout>,
    );
  });

  app.get(boardFragmentUrl, async (c) => {
    requireViewer(c, 'read');
    return c.html(<BoardView board={await loadBoard(deps)} />);
  });

  return app;
}
