export { CHUNK, mapChunked, sortChunked } from './chunked.js';
