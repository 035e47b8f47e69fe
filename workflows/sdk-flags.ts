// Why a workflow with Update validators settles the OpenTelemetry interceptors' SDK flag at once.
//
// The interceptors decide, per SDK flag 6 (OpenTelemetryInterceptorsInstrumentsAllMethods), whether
// an Update's validator and handler run inside a span. A span adds awaits between the handler's
// return and its UpdateCompleted message, so the flag decides where that message falls among the
// commands the main loop issues in the same activation (releasing a lock, scheduling a projection).
// A flag is written to history with the first workflow task that uses it. When that first use is a
// *rejected* Update (a 409: a Go Live before the test result), the server discards that speculative
// task, the flag with it, while the cached workflow keeps it as known and never reports it again.
// The next accepted Update then runs instrumented on that worker but uninstrumented on replay, and
// the history no longer replays ("Update machine does not handle this event").
// Using the flag in the first workflow task records it before any Update can arrive.
import { SdkFlags } from '@temporalio/workflow/lib/flags.js';
import { getActivator } from '@temporalio/workflow/lib/global-attributes.js';

/** Records the interceptors' flag in this workflow task (a no-op on replay of older histories). */
export function settleInterceptorFlags(): void {
  getActivator().hasFlag(SdkFlags.OpenTelemetryInterceptorsInstrumentsAllMethods);
}
