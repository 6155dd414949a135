import type { Redis } from 'ioredis';
import { createCatalogueReader } from './catalogue/catalogue.reader.js';
import { createPlayCountsReader } from './play-counts/play-counts.reader.js';
import { createUserStateReader } from './user-state/user-state.reader.js';

/** Every reader over one Redis connection: what the API (and the bench's read peers) read. */
export function createReadModels(deps: { redis: Redis }) {
  const catalogue = createCatalogueReader({ redis: deps.redis });
  return {
    catalogue,
    playCounts: createPlayCountsReader({ redis: deps.redis, catalogue }),
    userState: createUserStateReader({ redis: deps.redis }),
  };
}

export type ReadModels = ReturnType<typeof createReadModels>;
