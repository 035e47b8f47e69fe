// Elasticsearch's _bulk API on loopback, strict about the wire format: NDJSON with
// Content-Type application/x-ndjson, every line one JSON object, an action line ({"index": {...}}
// or create/update/delete) followed by its document, and the body ending in a newline. It answers
// as Elasticsearch does: {took, errors, items: [{index: {_index, _id, _version, result, status, ...}}]},
// and can be told to fail the next items (429, es_rejected_execution_exception) to test retries.
import { readBody, serveLoopback } from './loopback.js';

type Json = Record<string, unknown>;

export interface FakeElasticsearch {
  url: string;
  /** Indexed documents: index → id → document (the latest version). */
  documents: Map<string, Map<string, Json>>;
  /** Bulk requests received, raw, valid or not. */
  bulks: string[];
  /** Requests refused as malformed, with the reason. */
  rejected: string[];
  /** The next `n` items (across requests) fail with `status`. */
  failNextItems(n: number, status?: number): void;
  /** Basic credentials required from now on. */
  requireAuth(username: string, password: string): void;
  close(): Promise<void>;
}

const actions = ['index', 'create', 'update', 'delete'] as const;

function esError(status: number, type: string, reason: string) {
  return { error: { root_cause: [{ type, reason }], type, reason }, status };
}

export async function startFakeElasticsearch(): Promise<FakeElasticsearch> {
  const documents = new Map<string, Map<string, Json>>();
  const bulks: string[] = [];
  const rejected: string[] = [];
  const versions = new Map<string, number>();
  let failing = { n: 0, status: 429 };
  let auth: string | null = null;
  let seqNo = 0;

  const server = await serveLoopback(async (req, res) => {
    const send = (status: number, body: unknown): void => {
      res
        .writeHead(status, { 'content-type': 'application/json', 'x-elastic-product': 'Elasticsearch' })
        .end(JSON.stringify(body));
    };
    const raw = (await readBody(req)).toString('utf8');
    const url = new URL(req.url ?? '/', 'http://x');
    const match = /^\/(?:([^/_][^/]*)\/)?_bulk$/.exec(url.pathname);
    if (!match || (req.method !== 'POST' && req.method !== 'PUT'))
      return send(404, esError(404, 'no_handler', `no handler for ${req.method} ${url.pathname}`));
    if (auth && req.headers.authorization !== auth)
      return send(401, esError(401, 'security_exception', 'missing authentication credentials'));
    bulks.push(raw);
    const reject = (reason: string) => {
      rejected.push(reason);
      send(400, esError(400, 'illegal_argument_exception', reason));
    };
    const type = String(req.headers['content-type'] ?? '')
      .split(';')[0]!
      .trim();
    if (type !== 'application/x-ndjson') return reject(`Content-Type header [${type}] is not supported`);
    if (!raw.endsWith('\n')) return reject('The bulk request must be terminated by a newline [\\n]');
    const lines = raw.slice(0, -1).split('\n');
    const items: Json[] = [];
    let errors = false;
    for (let i = 0; i < lines.length; i++) {
      let action: Json;
      try {
        action = JSON.parse(lines[i]!) as Json;
      } catch {
        return reject(`Malformed action/metadata line [${i + 1}], expected a JSON object`);
      }
      const keys = Object.keys(action);
      const kind = keys[0] as (typeof actions)[number];
      if (keys.length !== 1 || !actions.includes(kind))
        return reject(
          `Malformed action/metadata line [${i + 1}], expected one of [${actions.join(', ')}] but found [${keys.join(',')}]`,
        );
      const meta = action[kind] as Json;
      const index = (meta._index as string | undefined) ?? match[1];
      if (!index) return reject(`action line [${i + 1}]: index is missing`);
      const id = meta._id as string | undefined;
      if (kind === 'delete') {
        documents.get(index)?.delete(String(id));
        items.push({ delete: { _index: index, _id: id, status: 200, result: 'deleted' } });
        continue;
      }
      i++;
      if (i >= lines.length) return reject(`action line [${i}] has no document line`);
      let doc: unknown;
      try {
        doc = JSON.parse(lines[i]!);
      } catch {
        return reject(`document line [${i + 1}] is not JSON`);
      }
      if (typeof doc !== 'object' || doc === null || Array.isArray(doc))
        return reject(`document line [${i + 1}] is not a JSON object`);
      const docId = id ?? `auto-${++seqNo}`;
      if (failing.n > 0) {
        failing.n--;
        errors = true;
        items.push({
          [kind]: {
            _index: index,
            _id: docId,
            status: failing.status,
            error: { type: 'es_rejected_execution_exception', reason: 'rejected execution of coordinating operation' },
          },
        });
        continue;
      }
      const key = `${index}/${docId}`;
      const version = (versions.get(key) ?? 0) + 1;
      versions.set(key, version);
      if (!documents.has(index)) documents.set(index, new Map());
      documents.get(index)!.set(docId, doc as Json);
      items.push({
        [kind]: {
          _index: index,
          _id: docId,
          _version: version,
          result: version === 1 ? 'created' : 'updated',
          _shards: { total: 1, successful: 1, failed: 0 },
          _seq_no: ++seqNo,
          _primary_term: 1,
          status: version === 1 ? 201 : 200,
        },
      });
    }
    send(200, { took: 1, errors, items });
  });
  return {
    url: server.root,
    documents,
    bulks,
    rejected,
    failNextItems(n, status = 429) {
      failing = { n, status };
    },
    requireAuth(username, password) {
      auth = `Basic ${Buffer.from(`${username}:${password}`).toString('base64')}`;
    },
    close: () => server.close(),
  };
}
