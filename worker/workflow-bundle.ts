import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { bundleWorkflowCode, type WorkflowBundleWithSourceMap } from '@temporalio/worker';
import webpack from 'webpack';
import { logger } from '../infra/logger.js';

// The workflow code as one webpack bundle, with the OpenTelemetry workflow interceptors.

const require = createRequire(import.meta.url);
const here = dirname(fileURLToPath(import.meta.url));
export const workflowsPath = join(here, '../workflows/index.ts');
const workflowInterceptors = require.resolve('@temporalio/interceptors-opentelemetry/lib/workflow-interceptors');
const otelPackageDir = dirname(require.resolve('@temporalio/interceptors-opentelemetry/package.json'));
const sharedContextStorage = join(here, '../workflows/otel-context-storage.ts');
const sharedContextManager = join(here, '../workflows/otel-context-manager.ts');

/**
 * The interceptors' own context manager makes an AsyncLocalStorage per workflow; ours shares one
 * per workflow thread (workflows/otel-context-storage.ts says why). Its storage is preloaded, so
 * that it lands in the modules every workflow of the thread shares.
 */
const shareOtelContext = new webpack.NormalModuleReplacementPlugin(
  /^\.\/context-manager(\.js)?$/,
  (resource: { context?: string; request?: string }) => {
    if (resource.context?.startsWith(otelPackageDir)) resource.request = sharedContextManager;
  },
);

export async function bundleWorkflows(): Promise<WorkflowBundleWithSourceMap> {
  return bundleWorkflowCode({
    workflowsPath,
    workflowInterceptorModules: [workflowInterceptors],
    preloadModules: [sharedContextStorage],
    webpackConfigHook: (config) => ({ ...config, plugins: [...(config.plugins ?? []), shareOtelContext] }),
    logger: { log() {}, trace() {}, debug() {}, info() {}, warn: (m) => logger.warn(m), error: (m) => logger.error(m) },
  });
}

/**
 * Bundles in a short-lived child process (worker/bundle-main.ts): webpack allocates well over
 * 100 MB that a long-running worker would otherwise keep as resident memory for its whole life.
 */
export async function bundleWorkflowsOutOfProcess(): Promise<{ code: string }> {
  const dir = mkdtempSync(join(tmpdir(), 'slipway-bundle-'));
  const out = join(dir, 'workflows.js');
  try {
    // The child runs under the same loader (tsx) as this process; an inspector port would clash.
    const execArgv = process.execArgv.filter((a) => !a.startsWith('--inspect'));
    const child = spawn(process.execPath, [...execArgv, join(here, 'bundle-main.ts'), out], {
      stdio: ['ignore', 'inherit', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => {
      stderr = (stderr + d.toString()).slice(-4000);
    });
    const code = await new Promise<number | null>((resolve, reject) => {
      child.once('error', reject);
      child.once('exit', resolve);
    });
    if (code !== 0) throw new Error(`bundling the workflow code failed (exit ${code}): ${stderr.trim()}`);
    return { code: readFileSync(out, 'utf8') };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
