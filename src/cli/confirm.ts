import { createInterface } from 'node:readline/promises';

/** Perceus's prompt: `Please Confirm [yes/no]> `, asked again until yes/y/no/n. */
export async function confirm(question: string): Promise<boolean> {
  const rl = createInterface({ input: process.stdin, output: process.stdout });
  try {
    process.stdout.write(question.endsWith('\n') ? question : question + '\n');
    for (;;) {
      const a = (await rl.question('Please Confirm [yes/no]> ')).trim().toLowerCase();
      if (a === 'yes' || a === 'y') return true;
      if (a === 'no' || a === 'n') return false;
    }
  } finally {
    rl.close();
  }
}
