/** Binding the HTTP ports, with the one failure a person meets often (a busy port) said plainly. */
import { createServer, type RequestListener, type Server } from 'node:http';

export class PortInUseError extends Error {
  constructor(
    readonly port: number,
    readonly host: string,
    readonly flag: string,
  ) {
    super(
      `port ${port} on ${host} is already in use (another fooocus-gateway or Fooocus server?). ` +
        `Stop it, or choose another port with ${flag === '--port' ? '--port N (or the env API_PORT / PORT)' : `another ${flag} N`}`,
    );
    this.name = 'PortInUseError';
  }
}

/** Listens on `port`; EADDRINUSE becomes a PortInUseError naming the flag that chose the port. */
export function listenOn(app: RequestListener, port: number, host: string, flag: string): Promise<Server> {
  const listener = createServer(app);
  return new Promise((resolve, reject) => {
    listener.once('error', (error: NodeJS.ErrnoException) =>
      reject(error.code === 'EADDRINUSE' ? new PortInUseError(port, host, flag) : error),
    );
    listener.listen(port, host, () => resolve(listener));
  });
}
