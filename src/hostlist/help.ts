/** The PATTERN syntax, appended to the help of every command that takes node patterns. */
export const HELP = `PATTERN selects nodes by name:
  n0001                one name
  n00[00-63]           a range; a leading zero sets the width (00..63), [0-10] gives 0..10
  n00[00-09,20,30-31]  numbers and ranges separated by commas inside brackets
  n[01-31/2]           a range with a step (01, 03, ..., 31)
  rack[1-4]n[01-32]    several groups: every combination, left to right
  n1,n[3-4]            commas outside brackets join patterns
  n00*  n0?1           globs: * any run of characters, ? one character; all else is literal
  n00[0-1]*            ranges expand first, then each result is a glob
Quote patterns in the shell. One pattern may name at most 1,000,000 nodes.`;
