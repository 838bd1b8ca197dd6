/**
 * A Fooocus model file that reads fine but is not what its conversion expects (wrong keys,
 * shapes, missing config): the file and the problem, separately, like TorchFileError.
 */
export class ModelConversionError extends Error {
  constructor(
    readonly path: string,
    readonly problem: string,
    options: { cause?: unknown } = {},
  ) {
    super(`${path}: ${problem}`, options);
    this.name = 'ModelConversionError';
  }
}
