import { Hono } from 'hono';
import { findArtifactById, listArtifacts } from '../../db/artifacts.js';
import { artifactLimits, moduleText } from '../../domain/artifacts.js';
import { ArtifactFieldError, type ArtifactCommands } from '../artifacts/commands.js';
import type { ApiDeps } from '../deps.js';
import { notFound } from '../errors.js';
import { requireScope, type AuthEnv } from '../middleware/auth.js';
import { idParam, invalidField, malformed, nonEmpty, notAllowed, paging } from './protocol.js';
import { artifactView } from './views.js';

// DeployDB's /api/artifacts: create, read by id, by module (newest first, paged) and the latest.
// An artifact is immutable: no PUT, PATCH or DELETE.

const fields = ['group', 'name', 'version', 'sourceUrl'] as const;

/** DeployDB's Artifact as posted: group, name and version required, each within DeployDB's limits. */
function readArtifact(body: unknown) {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) throw invalidField('body', 'must be an object');
  const record = body as Record<string, unknown>;
  const out: Partial<Record<(typeof fields)[number], string>> = {};
  for (const key of fields) {
    const value = record[key];
    if (value === undefined || value === null) {
      if (key !== 'sourceUrl') throw invalidField(key, 'may not be empty');
      continue;
    }
    if (typeof value !== 'string') throw invalidField(key, 'must be a string');
    if (value.length === 0) throw invalidField(key, 'may not be empty');
    if (value.length > artifactLimits[key])
      throw invalidField(key, `size must be between 1 and ${artifactLimits[key]}`);
    if ((key === 'group' || key === 'name') && /[:\s]/.test(value))
      throw invalidField(key, 'may not contain ":" or spaces');
    out[key] = value;
  }
  return out as { group: string; name: string; version: string; sourceUrl?: string };
}

export function deploydbArtifacts(deps: ApiDeps, commands: ArtifactCommands) {
  const app = new Hono<AuthEnv>();
  const immutable = () => {
    throw notAllowed('an artifact is immutable');
  };

  app.post('/', async (c) => {
    const principal = requireScope(c, 'deploy:request');
    let raw: unknown;
    try {
      raw = JSON.parse(await c.req.text());
    } catch {
      throw malformed('body', 'is not valid JSON');
    }
    const posted = readArtifact(raw);
    const module = moduleText({ group: posted.group, name: posted.name });
    const { registration } = await commands
      .register({ module, version: posted.version, sourceUrl: posted.sourceUrl }, principal)
      .catch((err: unknown) => {
        if (err instanceof ArtifactFieldError) throw invalidField(err.field, err.reason);
        throw err;
      });
    const view = artifactView(registration.row);
    if (registration.outcome === 'same') return c.json(view, 200);
    c.header('location', `/api/artifacts/${view.id}`);
    return c.json(view, 201);
  });

  app.get('/', async (c) => {
    requireScope(c, 'read');
    const rows = await listArtifacts(deps.db, paging(c, 5));
    return c.json(nonEmpty(rows, 'artifacts').map(artifactView), 200);
  });

  app.get('/latest', async (c) => {
    requireScope(c, 'read');
    const [row] = await listArtifacts(deps.db, { limit: 1 });
    if (!row) throw notFound('artifact');
    return c.json(artifactView(row), 200);
  });

  const moduleParam = (text: string) => {
    if (!/^[^:\s]+:[^:\s]+$/.test(text)) throw malformed('module', `"${text}" is not "<group>:<name>"`);
    return text;
  };
  app.get('/by-module/:module/latest', async (c) => {
    requireScope(c, 'read');
    const module = moduleParam(c.req.param('module'));
    const [row] = await listArtifacts(deps.db, { module, limit: 1 });
    if (!row) throw notFound(`artifact ${module}`);
    return c.json(artifactView(row), 200);
  });
  app.get('/by-module/:module', async (c) => {
    requireScope(c, 'read');
    const module = moduleParam(c.req.param('module'));
    const rows = await listArtifacts(deps.db, { module, ...paging(c, 5) });
    return c.json(nonEmpty(rows, `artifacts of ${module}`).map(artifactView), 200);
  });

  app.get('/:id', async (c) => {
    requireScope(c, 'read');
    const id = idParam(c);
    const row = await findArtifactById(deps.db, id);
    if (!row) throw notFound(`artifact ${id}`);
    return c.json(artifactView(row), 200);
  });
  app.on(['PUT', 'PATCH', 'DELETE'], ['/', '/:id', '/*'], immutable);
  return app;
}
