import { emitCodec } from './emit-codec.js';
import { emitConstants } from './emit-constants.js';
import { emitDocs } from './emit-docs.js';
import { emitErrorDescriptions, emitErrorHttpStatus, emitErrors } from './emit-errors.js';
import { emitTypes } from './emit-types.js';
import type { Spec } from './spec.js';
import { buildVectors } from './vectors.js';

/** Every generated file, by path relative to the package root. */
export function generatedFiles(spec: Spec): Record<string, string> {
  const vectors = buildVectors(spec);
  return {
    'src/gen/types.ts': emitTypes(spec),
    'src/gen/constants.ts': emitConstants(spec),
    'src/gen/errors.ts': emitErrors(spec),
    'src/gen/error-descriptions.ts': emitErrorDescriptions(spec),
    'src/gen/error-http.ts': emitErrorHttpStatus(spec),
    'src/gen/codec.ts': emitCodec(spec),
    'docs/PROTOCOL.md': emitDocs(spec, vectors.valid),
    'spec/vectors.json': `${JSON.stringify(vectors, null, 2)}\n`,
  };
}
