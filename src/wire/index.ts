// The TCP transport for out-of-process clients: the same msw handlers as the in-process transport.
export { startWireServer, type WireRequestInfo, type WireServer, type WireServerOptions } from './server.js';
export { RequestParser, type ParsedRequest, type ParseStep, type ParserLimits, type RequestHead } from './parser.js';
