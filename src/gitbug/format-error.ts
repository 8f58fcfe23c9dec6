// Raised by the pure format code; the loader attaches the entity it concerns
// and turns it into a DamagedDataError or UnsupportedFormatError.

export class FormatError extends Error {}

export class UnsupportedVersion extends FormatError {
  constructor(readonly version: number | string) {
    super(`unsupported format version ${version}`);
  }
}
