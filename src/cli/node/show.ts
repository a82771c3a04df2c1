import { showLines } from '../format.js';
import { tableVerb, type Noun } from '../select.js';

/** `node show [PATTERN…]`: every field of every node, `name: key=value`. */
export const command = (noun: Noun, product: string) => tableVerb('show', 'Show every field of nodes', noun, product, showLines);
