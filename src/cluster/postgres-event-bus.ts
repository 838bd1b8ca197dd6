/**
 * ClusterBus on PostgreSQL LISTEN/NOTIFY (DECISIONS §7). One dedicated connection per node both
 * listens and notifies, so this node's events reach the others in the order it sent them. Payloads
 * are small JSON (NOTIFY refuses 8000 bytes and more; previews travel by reference). When the
 * connection drops it is re-opened with back-off, and listeners get a local `resync`: events sent
 * meanwhile are lost, so they re-read the store.
 */
import pg from 'pg';
import type { Logger } from '../logging/logger.ts';
import type { ClusterBus, ClusterEvent } from '../tasks/cluster.types.ts';

export const CLUSTER_CHANNEL = 'fooocus_gateway_events';
/** NOTIFY's limit is 8000 bytes; stay clear of it. */
export const MAX_PAYLOAD_BYTES = 7900;
const MAX_RECONNECT_DELAY_MS = 5000;

export interface PostgresEventBusOptions {
  url: string;
  nodeName: string;
  logger: Logger;
  applicationName?: string;
}

export class PostgresEventBus implements ClusterBus {
  private client: pg.Client | null = null;
  private readonly listeners = new Set<(event: ClusterEvent) => void>();
  private isClosed = false;
  private reconnectDelayMs = 100;
  private reconnectTimer: NodeJS.Timeout | null = null;
  /** NOTIFYs go out one at a time, in call order (pg would only queue them, and warns when asked to). */
  private sending: Promise<unknown> = Promise.resolve();

  private constructor(private readonly options: PostgresEventBusOptions) {}

  /** Resolves once the node listens: events sent after that reach it. */
  static async connect(options: PostgresEventBusOptions): Promise<PostgresEventBus> {
    const bus = new PostgresEventBus(options);
    await bus.open();
    return bus;
  }

  subscribe(listener: (event: ClusterEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  async publish(event: ClusterEvent): Promise<void> {
    const payload = JSON.stringify(event);
    if (Buffer.byteLength(payload) > MAX_PAYLOAD_BYTES) {
      throw new Error(`cluster event ${event.type} is ${Buffer.byteLength(payload)} bytes; NOTIFY takes under 8000`);
    }
    const send = async () => {
      const client = this.client;
      if (!client) throw new Error('the event connection to PostgreSQL is down (reconnecting)');
      await client.query('SELECT pg_notify($1, $2)', [CLUSTER_CHANNEL, payload]);
    };
    const sent = this.sending.then(send, send);
    this.sending = sent.catch(() => undefined);
    await sent;
  }

  async close(): Promise<void> {
    this.isClosed = true;
    if (this.reconnectTimer) clearTimeout(this.reconnectTimer);
    const client = this.client;
    this.client = null;
    await client?.end().catch(() => undefined);
  }

  private async open(): Promise<void> {
    const client = new pg.Client({
      connectionString: this.options.url,
      application_name: this.options.applicationName ?? 'fooocus-gateway events',
    });
    client.on('notification', (message) => {
      if (message.channel === CLUSTER_CHANNEL && message.payload) this.deliver(message.payload);
    });
    client.on('error', (error) => {
      this.options.logger.warn(`cluster event connection failed: ${error.message}`);
      this.lost(client);
    });
    client.on('end', () => this.lost(client));
    await client.connect();
    await client.query(`LISTEN ${CLUSTER_CHANNEL}`);
    if (this.isClosed) {
      await client.end();
      return;
    }
    this.client = client;
    this.reconnectDelayMs = 100;
  }

  private lost(client: pg.Client): void {
    if (this.client !== client) return;
    this.client = null;
    void client.end().catch(() => undefined);
    if (!this.isClosed) this.scheduleReconnect();
  }

  private scheduleReconnect(): void {
    this.reconnectTimer = setTimeout(() => {
      this.reconnectTimer = null;
      this.open().then(
        () => {
          this.options.logger.info('cluster event connection re-opened; re-reading task states');
          this.emit({ type: 'resync', node: this.options.nodeName });
        },
        (error: Error) => {
          this.options.logger.warn(`cluster event connection still down: ${error.message}`);
          this.reconnectDelayMs = Math.min(MAX_RECONNECT_DELAY_MS, this.reconnectDelayMs * 2);
          if (!this.isClosed) this.scheduleReconnect();
        },
      );
    }, this.reconnectDelayMs);
    this.reconnectTimer.unref();
  }

  private deliver(payload: string): void {
    let event: ClusterEvent;
    try {
      event = JSON.parse(payload) as ClusterEvent;
    } catch {
      this.options.logger.warn(`ignored a malformed cluster event: ${payload.slice(0, 200)}`);
      return;
    }
    this.emit(event);
  }

  private emit(event: ClusterEvent): void {
    for (const listener of [...this.listeners]) {
      try {
        listener(event);
      } catch (error) {
        this.options.logger.error(`cluster event ${event.type} listener failed`, error);
      }
    }
  }
}
