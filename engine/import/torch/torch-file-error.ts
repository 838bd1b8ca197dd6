/**
 * A PyTorch file (or a Fooocus model file read through it) that cannot be used: the file and the
 * problem, separately, so the model import can name the file in a 422 and log the problem.
 */
export class TorchFileError extends Error {
  constructor(
    readonly path: string,
    readonly problem: string,
    options: { cause?: unknown } = {},
  ) {
    super(`${path}: ${problem}`, options);
    this.name = 'TorchFileError';
  }
}
