/**
 * A bad command line or environment. main.ts prints the message and exits non-zero before anything
 * starts, so the message alone must tell the operator which flag or variable is wrong and why.
 */
export class ConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConfigError';
  }
}
