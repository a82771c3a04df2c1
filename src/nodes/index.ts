export { parseMac, tryParseMac, macHexhyp, macNodeId } from './mac.js';
export type { Node, NodeDefaults } from './types.js';
export { NodeSchema } from './types.js';
export { isValidNodeName, checkNodeName, isValidLabel, checkLabel, parseTemplate, formatName } from './names.js';
export { addNode, addNodes, type NewNode } from './add.js';
export { getNodeByMac, getNodeByName, recordContact, listGroups, type GroupCount } from './query.js';
export { setNodes, resolveSetKey, parseSetValue, SET_KEYS, type SetKey } from './set.js';
export { deleteNodes, replaceNode } from './delete.js';
export { selectNodes, selectGroups, type Selection } from './select.js';
