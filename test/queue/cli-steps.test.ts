import assert from 'node:assert/strict';
import { it } from 'node:test';
import { parseSteps } from '../../src/cli/job/steps.js';

it('job run: jig+jig steps, --arg for all steps or step N', () => {
  assert.deepEqual(parseSteps('script+wait', ['run=a.sh', '2:equals=ready', '1:x=a=b']), [
    { jig: 'script', args: { run: 'a.sh', x: 'a=b' } },
    { jig: 'wait', args: { run: 'a.sh', equals: 'ready' } },
  ]);
});

it('job run: bad --arg and bad jig names are refused', () => {
  assert.throws(() => parseSteps('noop', ['novalue']), { code: 'REQUEST_INVALID', message: /--arg 'novalue' is not key=value/ });
  assert.throws(() => parseSteps('noop', ['3:k=v']), { code: 'REQUEST_INVALID', message: /names step 3, but there are 1/ });
  assert.throws(() => parseSteps('noop++x', []), { code: 'REQUEST_INVALID', message: /'' is not a jig name/ });
});
