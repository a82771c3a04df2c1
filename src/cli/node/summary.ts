import { summaryTable } from '../format.js';
import { tableVerb, type Noun } from '../select.js';

/** `node summary [PATTERN…]`: group, enabled flag and VNFS per node. */
export const command = (noun: Noun, product: string) => tableVerb('summary', "Show nodes' group, enabled flag and VNFS", noun, product, summaryTable);
