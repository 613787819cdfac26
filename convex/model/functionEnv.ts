/**
 * The function's environment variables, read when called. Every setting goes through this.
 *
 * Why not the generated `env` export of `_generated/server`: it is `process.env` captured once,
 * when the module is first loaded. Convex's Node executor gives each call a fresh `process.env`
 * (the deployment's current variables) while a warm process keeps its modules loaded, so the
 * captured object can still hold the variables of an earlier call: a rotated R2 key or
 * `WORKER_SECRET` would not reach warm Node actions. Reading `process.env` at call time gets the
 * current one in both runtimes.
 */
export function functionEnv(): Record<string, string | undefined> {
  // eslint-disable-next-line @convex-dev/no-process-env -- read per call on purpose: see above
  return process.env;
}
