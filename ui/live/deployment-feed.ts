import { listenDeploymentChanges, type DeploymentChange } from '../../db/deployments.js';
import type { PubSub } from '../../db/client.js';

// One LISTEN per process for every browser following deployments: the first subscriber starts it,
// each change is fanned out to the subscribers of the moment. It stays open after the last one
// leaves (one idle listener costs nothing, and the next page load needs it again).

export interface DeploymentFeed {
  /** Resolves once listening, with the function that unsubscribes. */
  subscribe(onChange: (change: DeploymentChange) => void): Promise<() => void>;
  subscribers(): number;
  close(): Promise<void>;
}

export function createDeploymentFeed(pubsub: PubSub): DeploymentFeed {
  const subscribers = new Set<(change: DeploymentChange) => void>();
  let listening: Promise<() => Promise<void>> | null = null;

  const listen = () =>
    (listening ??= listenDeploymentChanges(pubsub, (change) => {
      for (const notify of subscribers) notify(change);
    }).catch((err: unknown) => {
      listening = null; // the next subscriber tries again
      throw err;
    }));

  return {
    async subscribe(onChange) {
      await listen();
      subscribers.add(onChange);
      return () => void subscribers.delete(onChange);
    },
    subscribers: () => subscribers.size,
    async close() {
      subscribers.clear();
      const stop = await listening?.catch(() => null);
      listening = null;
      await stop?.();
    },
  };
}
