/**
 * Entry point: parse the command line, compose the server, listen on the main port and every
 * --also-listen port (one queue and one history for all), shut down cleanly on SIGINT/SIGTERM.
 */
import { createServer, type Server } from 'node:http';
import { describeDatabase } from './config/cluster-settings.ts';
import { ConfigError, parseConfig } from './config/config.ts';
import { createConsoleLogger } from './logging/logger.ts';
import { composeServer } from './server/compose-server.ts';

async function main(): Promise<void> {
  let parsed;
  try {
    parsed = parseConfig(process.argv.slice(2), process.env, process.cwd());
  } catch (error) {
    if (error instanceof ConfigError) {
      console.error(`fooocus-gateway: ${error.message}`);
      process.exit(2);
    }
    throw error;
  }
  if ('help' in parsed) {
    console.log(parsed.help);
    return;
  }
  const { config } = parsed;
  const logger = createConsoleLogger(config.logLevel);
  for (const warning of config.startupWarnings) logger.warn(warning);
  const server = await composeServer(config, logger);
  const listeners: Server[] = [];
  for (const port of [config.port, ...config.alsoListen]) {
    const listener = createServer(server.app);
    await new Promise<void>((resolve, reject) => {
      listener.once('error', reject);
      listener.listen(port, config.host, () => resolve());
    });
    listeners.push(listener);
    logger.info(`listening on http://${config.host.includes(':') ? `[${config.host}]` : config.host}:${port} (docs at /docs)`);
  }
  logger.info(`result URLs use ${config.baseUrl}`);
  logger.info(`node ${server.nodeName}: ${server.engines.size} engine(s), task store ${describeDatabase(config.database)}`);
  let isStopping = false;
  const stop = async (signal: string) => {
    if (isStopping) return;
    isStopping = true;
    logger.info(`${signal}: shutting down`);
    for (const listener of listeners) listener.close();
    await server.close();
    process.exit(0);
  };
  process.on('SIGINT', () => void stop('SIGINT'));
  process.on('SIGTERM', () => void stop('SIGTERM'));
}

main().catch((error) => {
  console.error('fooocus-gateway failed to start:', error);
  process.exit(1);
});
