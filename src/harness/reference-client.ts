// The bundled reference client as a client under test: the default of `npm start`.
import { BITS_UPLOAD_CLIENT, createUploadJob } from '../client/index.js';
import type { ClientUnderTest } from './contract.js';

/** 4 KiB fragments: the suite's 6000-byte payload then takes two, so resume offsets are exercised. */
const FRAGMENT_SIZE = 4096;

const referenceClient: ClientUnderTest = {
  name: BITS_UPLOAD_CLIENT.name,
  version: BITS_UPLOAD_CLIENT.version,
  capabilities: { uploadReply: true },
  createJob: (options) => createUploadJob({ ...options, fragmentSize: FRAGMENT_SIZE }),
};

export default referenceClient;
