export { CHUNK, eachChunked, mapChunked, sortChunked } from './chunked.js';
