/** The tar format: header decoding shared by every reader, and a streaming reader for large archives. */
export { BLOCK, decodeHeader, entryPath, isZeroBlock, MAX_META, MemberNames, paxRecords, type Invalid, type TarHeader, type TarMember } from './header.js';
export { readTarStream, type StreamMember } from './stream.js';
