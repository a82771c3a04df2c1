/** Median wall time in ms of `rounds` runs of `run` (after one warm-up). Shared by the benches. */
export async function median(run: () => unknown, rounds: number): Promise<number> {
  await run();
  const times: number[] = [];
  for (let r = 0; r < rounds; r++) {
    const t = process.hrtime.bigint();
    await run();
    times.push(Number(process.hrtime.bigint() - t) / 1e6);
  }
  return times.sort((a, b) => a - b)[Math.floor(rounds / 2)]!;
}
