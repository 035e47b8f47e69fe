// One AsyncLocalStorage for the OpenTelemetry context of every workflow on a workflow thread.
//
// The SDK's OpenTelemetry workflow interceptors create an AsyncLocalStorage per workflow, and all
// of them stay enabled while the workflow is cached. On Node 20 every enabled storage is copied
// onto each new promise, so a cache of N workflows made every promise of every workflow N
// properties heavier and slower to create. This module is preloaded into the bundle's shared
// module cache (worker/workflow-bundle.ts), so there is one storage per thread however many
// workflows are cached. Workflows never run concurrently on a thread, and each activation starts
// from a resource without a store, so one workflow never sees another's context.
import type { Context } from '@opentelemetry/api';

interface Storage {
  getStore(): Context | undefined;
  run<R>(store: Context, fn: (...args: unknown[]) => R, ...args: unknown[]): R;
}

const AsyncLocalStorageClass = (globalThis as unknown as { AsyncLocalStorage: new () => Storage }).AsyncLocalStorage;

export const otelContextStorage: Storage = new AsyncLocalStorageClass();
// Enabled here, before the shared module cache is frozen: enabling writes to the instance.
otelContextStorage.run({} as Context, () => undefined);
