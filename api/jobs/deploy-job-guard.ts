import type { Context } from 'hono';
import type { SlipwayConfig } from '../../domain/config.js';
import { deployJobRefusal, servicesDeployedBy } from '../../domain/deploy-jobs.js';
import { can, type AuthEnv, type Principal } from '../middleware/auth.js';
import { ApiError } from '../errors.js';

/**
 * A deploy job (one a `type: job` deployer runs) is triggered, rebuilt, rewritten or retired only by
 * an admin: anyone else goes through a deployment. Called after the route's own scope check.
 */
export function requireDeployJobAccess<E extends AuthEnv>(c: Context<E>, config: SlipwayConfig, jobPath: string) {
  if (can(c.get('principal'), 'admin')) return;
  const services = servicesDeployedBy(config, jobPath);
  if (services.length > 0) throw new ApiError(403, 'forbidden', deployJobRefusal(jobPath, services));
}

/** Whether `principal` may trigger or rebuild this job: `build:run`, and admin for a deploy job (as the routes check). */
export function mayRunJob(principal: Principal, config: SlipwayConfig, jobPath: string): boolean {
  if (!can(principal, 'build:run')) return false;
  return can(principal, 'admin') || servicesDeployedBy(config, jobPath).length === 0;
}
