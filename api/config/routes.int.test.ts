// /v1/config with app.request(): the version in use, and the admin's reload that keeps the old
// configuration when the file is refused.
import { writeFileSync } from 'node:fs';
import { and, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findConfigVersion } from '../../db/config-versions.js';
import { auditLog } from '../../db/schema.js';
import { startApiHarness, type ApiHarness } from '../../test/support/api-harness.js';

const docker = `deploy: { "*": { type: docker, image: busybox, command: "true" } }`;
const first = `services:\n  checkout: { ${docker} }\n`;
const second = `
jenkins: { ci: { url: "https://deploy-bot:hunter2@jenkins.test" } }
promotions: { signoff: { type: manual, approvers: [alice] } }
pipelines: { gated: { environments: [{ environment: preprod, promotions: [signoff] }, { environment: live }] } }
services:
  checkout: { pipeline: gated, ${docker} }
`;

let api: ApiHarness;
beforeAll(async () => {
  api = await startApiHarness({ configYaml: first });
});
afterAll(async () => api?.close());

describe('/v1/config', () => {
  it('shows the version and source in use to a reader, and needs a token', async () => {
    const res = await api.request('GET', '/v1/config', { as: 'reader' });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({
      version: api.configHolder.current.version,
      source: api.configFile,
      loadedAt: expect.any(String),
    });
    expect(res.body.version).toMatch(/^[0-9a-f]{16}$/);
    expect((await api.request('GET', '/v1/config', { as: null })).status).toBe(401);
  });

  it('reloads only for an admin', async () => {
    for (const role of ['reader', 'requester', 'approver'] as const)
      expect((await api.request('POST', '/v1/config/reload', { as: role })).status).toBe(403);
    expect((await api.request('POST', '/v1/config/reload', { as: null })).status).toBe(401);
  });

  it('answers an unchanged file with changed: false', async () => {
    const before = api.configHolder.current.version;
    const res = await api.request('POST', '/v1/config/reload');
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ version: before, previousVersion: before, changed: false });
  });

  it('refuses an invalid file with 400 naming the file and the path; the old configuration stays', async () => {
    const before = api.configHolder.current.version;
    writeFileSync(
      api.configFile,
      `promotions: { smoke: { type: jenkins, server: ci, jobs: [smoke] } }\nservices:\n  checkout: { ${docker} }\n`,
    );
    const res = await api.request('POST', '/v1/config/reload');
    expect(res.status).toBe(400);
    expect(res.body.error.detail).toEqual({
      errors: [`${api.configFile}: promotions.smoke.server: no Jenkins server "ci" (none defined)`],
      kept: before,
    });
    expect(res.body.error.message).toContain(`${api.configFile}: promotions.smoke.server`);
    expect((await api.request('GET', '/v1/config')).body.version).toBe(before);
    expect(api.configHolder.config.promotions).toEqual({});

    writeFileSync(api.configFile, 'services: [\n');
    const broken = await api.request('POST', '/v1/config/reload');
    expect(broken.status).toBe(400);
    expect(broken.body.error.detail.errors[0]).toMatch(new RegExp(`^${api.configFile}: line \\d+:`));
    expect((await api.request('GET', '/v1/config')).body.version).toBe(before);
  });

  it('takes a valid change: new requests get its plan and version; stored without URL credentials, audited', async () => {
    const before = api.configHolder.current.version;
    writeFileSync(api.configFile, second);
    const res = await api.request('POST', '/v1/config/reload');
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ changed: true, previousVersion: before });
    const after = res.body.version as string;
    expect(after).not.toBe(before);
    expect((await api.request('GET', '/v1/config', { as: 'reader' })).body.version).toBe(after);

    const stored = await findConfigVersion(api.database.db, after);
    expect(stored).toMatchObject({ loadedBy: 'admin', source: api.configFile });
    expect(JSON.stringify(stored!.config)).not.toContain('hunter2');
    expect((stored!.config.jenkins as Record<string, { url: string }>).ci!.url).toBe('https://redacted@jenkins.test/');

    const audits = await api.database.db
      .select()
      .from(auditLog)
      .where(and(eq(auditLog.action, 'config.reload'), eq(auditLog.actor, 'admin')));
    expect(audits.map((a) => a.detail)).toEqual([{ before, after }]);

    const requested = await api.request('POST', '/v1/deployments', {
      as: 'requester',
      body: { service: 'checkout', version: '1.2.3' },
    });
    expect(requested.status).toBe(201);
    expect(requested.body.configVersion).toBe(after);
    const [start] = api.temporal.callsOf('start');
    const input = start!.args[0] as { plan: { configVersion: string; environments: Array<{ gates?: unknown[] }> } };
    expect(input.plan.configVersion).toBe(after);
    expect(input.plan.environments[0]!.gates).toEqual([
      { name: 'signoff', type: 'manual', approvers: ['alice'], required: 1, expiresAfter: '7d' },
    ]);
  });
});
