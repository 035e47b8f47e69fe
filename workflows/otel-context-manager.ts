// The OpenTelemetry context manager of workflow code, in place of the one in
// @temporalio/interceptors-opentelemetry (worker/workflow-bundle.ts swaps it in): the same
// contract, but backed by the thread's one shared storage (otel-context-storage.ts) instead of an
// AsyncLocalStorage per workflow.
import { ROOT_CONTEXT, type Context, type ContextManager as OtelContextManager } from '@opentelemetry/api';
import { otelContextStorage } from './otel-context-storage.js';

export class ContextManager implements OtelContextManager {
  active(): Context {
    return otelContextStorage.getStore() ?? ROOT_CONTEXT;
  }

  with<A extends unknown[], F extends (...args: A) => ReturnType<F>>(
    context: Context,
    fn: F,
    thisArg?: ThisParameterType<F>,
    ...args: A
  ): ReturnType<F> {
    const call = thisArg == null ? fn : fn.bind(thisArg);
    return otelContextStorage.run(context, call as (...a: unknown[]) => ReturnType<F>, ...args);
  }

  bind<T>(context: Context, target: T): T {
    if (typeof target !== 'function')
      throw new TypeError(`Only functions can be bound to a context, got ${typeof target}`);
    const fn = target as unknown as (this: unknown, ...args: unknown[]) => unknown;
    // eslint-disable-next-line @typescript-eslint/no-this-alias
    const manager = this;
    const bound = function (this: unknown, ...args: unknown[]) {
      return manager.with(context, () => fn.apply(this, args));
    };
    Object.defineProperty(bound, 'length', { value: fn.length });
    return bound as unknown as T;
  }

  enable(): this {
    return this;
  }

  /** The storage is shared by every workflow on the thread: a workflow leaving the cache must not switch it off. */
  disable(): this {
    return this;
  }
}
