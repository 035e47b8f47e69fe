import type { SlipwayConfig } from '../domain/config.js';
import { secretFromEnv } from './env.js';

// Jenkins servers as configured (address, user, API token from the environment), and the
// readiness check's ping. The ping lives here rather than in activities/jenkins.ts so that the
// API process, which only asks "does Jenkins answer?", loads no activity code. Wire behaviour
// follows docs/jenkins-remote-api.md, as the activities do.

export interface JenkinsServerConfig {
  url: string;
  user?: string;
  token?: string;
}

export interface JenkinsServer {
  name: string;
  base: string;
  authorization: string | null;
}

export function jenkinsServers(
  config: SlipwayConfig,
  env: NodeJS.ProcessEnv = process.env,
): Record<string, JenkinsServerConfig> {
  return Object.fromEntries(
    Object.entries(config.jenkins).map(([name, s]) => [
      name,
      { url: s.url, user: s.user, token: secretFromEnv(s.tokenEnv, env) },
    ]),
  );
}

/** The base URL and Authorization header of a configured server; throws (never echoing credentials) when it cannot be used. */
export function jenkinsServer(name: string, servers: Record<string, JenkinsServerConfig>): JenkinsServer {
  const cfg = servers[name];
  if (!cfg) throw new Error(`unknown Jenkins server "${name}"`);
  let url: URL;
  try {
    url = new URL(cfg.url);
  } catch {
    throw new Error(`Jenkins server "${name}" has an invalid url`);
  }
  // fetch rejects URLs with credentials and would echo them in its error message.
  if (url.username || url.password)
    throw new Error(`Jenkins server "${name}": put credentials in user/token, not in the url`);
  const authorization =
    cfg.user !== undefined && cfg.token !== undefined
      ? `Basic ${Buffer.from(`${cfg.user}:${cfg.token}`).toString('base64')}`
      : null;
  return { name, base: url.href.replace(/\/+$/, ''), authorization };
}

/** Why a request got no answer: a timeout, or the network error's code. */
export function unanswered(err: unknown, timeoutMs: number): string {
  const e = err as Error & { cause?: { code?: string; message?: string } };
  return e.name === 'TimeoutError'
    ? `timed out after ${timeoutMs} ms`
    : (e.cause?.code ?? e.cause?.message ?? e.message);
}

/** What an answer other than the expected one means: a hint for the message, and whether a retry may help (5xx, 408, 429, a restart page). */
export function jenkinsAnswer(status: number, text: string): { hint: string; retryable: boolean } {
  if (status === 503 && /getting ready to work|is restarting/i.test(text))
    return { hint: ' (Jenkins is restarting)', retryable: true };
  if (status >= 500 || status === 408 || status === 429) return { hint: '', retryable: true };
  const hints: Record<number, string> = {
    400: ' (bad request, e.g. the job is not parameterized)',
    401: ' (invalid user or API token)',
    403: ' (missing permission or CSRF crumb)',
    404: ' (not found, or not visible to this user)',
    409: ' (job is disabled)',
  };
  return { hint: hints[status] ?? '', retryable: false };
}

/** Resolves when the server answers its API root with JSON (GET /api/json?tree=mode), as the worker's client would. */
export function createJenkinsPing(
  servers: Record<string, JenkinsServerConfig>,
  opts: { requestTimeoutMs?: number } = {},
) {
  const timeoutMs = opts.requestTimeoutMs ?? 15_000;
  return async (name: string): Promise<void> => {
    const server = jenkinsServer(name, servers);
    const headers: Record<string, string> = { Accept: 'application/json' };
    if (server.authorization) headers.Authorization = server.authorization;
    let status: number;
    let text: string;
    try {
      const res = await fetch(`${server.base}/api/json?${new URLSearchParams({ tree: 'mode' })}`, {
        headers,
        redirect: 'manual',
        signal: AbortSignal.timeout(timeoutMs),
      });
      status = res.status;
      text = await res.text();
    } catch (err) {
      throw new Error(`Jenkins "${name}": ping (GET /api/json) failed: ${unanswered(err, timeoutMs)}`);
    }
    if (status !== 200)
      throw new Error(`Jenkins "${name}": ping answered HTTP ${status}${jenkinsAnswer(status, text).hint}`);
    try {
      JSON.parse(text);
    } catch {
      throw new Error(`Jenkins "${name}": ping did not answer JSON`);
    }
  };
}

/** /readyz and Octopush /health ping the configured Jenkins servers with it. */
export function jenkinsPinger(config: SlipwayConfig, env: NodeJS.ProcessEnv = process.env) {
  return createJenkinsPing(jenkinsServers(config, env));
}
