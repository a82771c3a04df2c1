import { statusTable } from '../format.js';
import { tableVerb, type Noun } from '../select.js';

/** `node status [PATTERN…]`: last state, address and time since last contact. */
export const command = (noun: Noun, product: string) =>
  tableVerb(
    'status',
    "Show nodes' last provisioning state and contact (the address a node last came from; '!' when that is not its set ipaddr, see 'node show')",
    noun,
    product,
    (nodes) => statusTable(nodes),
  );
