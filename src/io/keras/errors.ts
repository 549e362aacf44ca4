/**
 * The one error type of the Keras / TF.js importer. `layer` names the Keras layer at fault
 * ('' for the file as a whole), so callers can point at it; the message says what was expected and
 * what came, and how to get a supported model where there is a way.
 */
export class KerasImportError extends Error {
  override readonly name = 'KerasImportError';
  /** Keras layer name, or '' when the problem is not tied to one layer. */
  readonly layer: string;

  constructor(layer: string, message: string) {
    super(layer ? `Keras layer '${layer}': ${message}` : message);
    this.layer = layer;
  }
}
