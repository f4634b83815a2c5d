/** A bad configuration: the message names the key and where it came from (flag, variable, file). */
export class ConfigError extends Error {
  constructor(message: string, options: { cause?: unknown } = {}) {
    super(message, options);
    this.name = 'ConfigError';
  }
}
