import type { Cli } from '../context.js';

/** A module as /api/v1/modules returns it. */
export interface ApiModule {
  name: string;
  roles: string[];
}

/** Perceus's messages say "Perceus Module '<m>' …"; scripts grep for them under the perceus alias. */
export function label(cli: Cli): string {
  return cli.product === 'Perceus' ? 'Perceus Module' : 'Module';
}

export async function fetchModules(cli: Cli, globs: string[]): Promise<ApiModule[]> {
  return (await (await cli.client()).get<{ modules: ApiModule[] }>('/modules', { glob: globs })).modules;
}

/** What a module's install or activate script printed, as info lines. */
export function showOutput(cli: Cli, output: string): void {
  for (const line of output.replace(/\n$/, '').split('\n')) if (line !== '') cli.info(line);
}
