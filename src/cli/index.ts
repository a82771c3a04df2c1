// The muster/perceus command line (bin/muster, bin/perceus).
export { main } from './main.js';
