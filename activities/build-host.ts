import { buildHostQueue } from '../workflows/build.messages.js';

// Which host runs a build: the first build-capable worker to take the claim from the shared
// queue answers with its own host queue, where the build's other activities then go.

export function createBuildHostActivities(deps: { taskQueue: string; hostName: string }) {
  return {
    async claimBuildHost(): Promise<{ name: string; taskQueue: string }> {
      return { name: deps.hostName, taskQueue: buildHostQueue(deps.taskQueue, deps.hostName) };
    },
  };
}

export type BuildHostActivities = ReturnType<typeof createBuildHostActivities>;
