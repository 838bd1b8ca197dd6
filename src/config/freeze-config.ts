import type { Config } from './config.types.ts';

/** Deep enough for Config: its nested values are these arrays and the database target. */
export function freezeConfig(config: Config): Config {
  return Object.freeze({
    ...config,
    alsoListen: Object.freeze([...config.alsoListen]),
    apiKeys: Object.freeze([...config.apiKeys]),
    database: Object.freeze({ ...config.database }),
    engines: Object.freeze(config.engines.map((slot) => Object.freeze({ ...slot }))),
    startupWarnings: Object.freeze([...config.startupWarnings]),
  });
}
