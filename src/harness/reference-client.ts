// The bundled reference client as a client under test: the default of `npm start`. It runs at its own
// defaults (1 MiB fragments, node:http with one connection per job), as any vendor's client is run: the
// harness configures a client through the contract's job options only.
import { BITS_UPLOAD_CLIENT, createUploadJob } from '../client/index.js';
import type { ClientUnderTest } from './contract.js';

const referenceClient: ClientUnderTest = {
  name: BITS_UPLOAD_CLIENT.name,
  version: BITS_UPLOAD_CLIENT.version,
  capabilities: { uploadReply: true },
  createJob: (options) => createUploadJob(options),
};

export default referenceClient;
