import { loadConfig, type AppConfig } from '../../common/config/app.config.js';
import { createStack } from '../../infra/stack/stack.js';

/**
 * The stack the current test run uses (`npm test` exports a private data folder and ports).
 * `up` is idempotent, so a test file run on its own starts the stack itself and leaves it up
 * for the next run; `npm test` stops it at the end.
 */
export async function useStack(env: NodeJS.ProcessEnv = process.env): Promise<AppConfig> {
  const config = loadConfig(env);
  await createStack(config).up();
  return config;
}
