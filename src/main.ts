/**
 * Entry point: parse the command line, check the folders it writes, compose the server, listen on
 * the main port and every --also-listen port (one queue and one history for all), shut down cleanly
 * on SIGINT/SIGTERM.
 */
import type { Server } from 'node:http';
import { describeDatabase } from './config/cluster-settings.ts';
import { ConfigError, parseConfig } from './config/config.ts';
import { createPinoLogger } from './logging/pino-logger.ts';
import { composeServer } from './server/compose-server.ts';
import { awaitWritableFolders } from './server/folder-check.ts';
import { listenOn, PortInUseError } from './server/listen.ts';

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
  const logger = createPinoLogger({
    level: config.logLevel,
    format: config.logFormat ?? (process.stdout.isTTY ? 'text' : 'json'),
  });
  for (const warning of config.startupWarnings) logger.warn(warning);
  try {
    await awaitWritableFolders(config, logger);
  } catch (error) {
    logger.error(`fooocus-gateway cannot start: ${(error as Error).message}`);
    process.exit(2);
  }
  const server = await composeServer(config, logger);
  const listeners: Server[] = [];
  const ports = [
    { port: config.port, flag: '--port' },
    ...config.alsoListen.map((port) => ({ port, flag: '--also-listen' })),
  ];
  for (const { port, flag } of ports) {
    try {
      listeners.push(await listenOn(server.app, port, config.host, flag));
    } catch (error) {
      if (!(error instanceof PortInUseError)) throw error;
      logger.error(`fooocus-gateway cannot start: ${error.message}`);
      for (const listener of listeners) listener.close();
      await server.close();
      process.exit(1);
    }
    logger.info(
      `listening on http://${config.host.includes(':') ? `[${config.host}]` : config.host}:${port} (docs at /docs, playground at /playground)`,
    );
  }
  logger.info(`result URLs use ${config.baseUrl}`);
  logger.info(
    `node ${server.nodeName}: ${server.engines.size} engine(s), task store ${describeDatabase(config.database)}`,
  );
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
