import { statusTable } from '../format.js';
import { tableVerb, type Noun } from '../select.js';

/** `node status [PATTERN…]`: last state, address and time since last contact. */
export const command = (noun: Noun, product: string) =>
  tableVerb('status', "Show nodes' last provisioning state and contact", noun, product, (nodes) => statusTable(nodes));
