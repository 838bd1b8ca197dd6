import type { Config } from './config.types.ts';

/** Deep enough for Config: its only nested values are the three arrays. */
export function freezeConfig(config: Config): Config {
  return Object.freeze({
    ...config,
    alsoListen: Object.freeze([...config.alsoListen]),
    apiKeys: Object.freeze([...config.apiKeys]),
    startupWarnings: Object.freeze([...config.startupWarnings]),
  });
}
