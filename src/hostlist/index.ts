export { expand, expandAll, DEFAULT_EXPAND_LIMIT, type ExpandOptions } from './expand.js';
export { compress, compressList } from './compress.js';
export { isGlob, globToRegExp } from './glob.js';
export { naturalCompare, naturalSort } from './natural.js';
export { HELP } from './help.js';
