/** iPXE boot scripts: what the HTTP routes `/boot.ipxe` and `/boot/<mac>` answer. */
import type { Node } from '../../nodes/index.js';
import { isValidLabel } from '../../nodes/index.js';
import { bootFiles } from '../../images/index.js';
import { BUILTIN_BOOTENVS, renderBootScript, type BootContext } from './script.js';
import { loadBootenvTemplate } from './template.js';

export { BUILTIN_BOOTENVS, DEFAULT_KERNEL_ARGS, bootPaths, chainScript, renderBootScript, type BootContext, type VnfsBoot } from './script.js';
export { loadBootenvTemplate, MAX_TEMPLATE_BYTES } from './template.js';
export { knownBootenvs, unknownBootenv } from './bootenvs.js';

/**
 * The script for a node (null: unregistered MAC), reading its admin template from
 * statedir/bootenvs/ when its bootenv is not built in, and which of muster's boot files exist.
 * Read on every request: a changed bootenv, template or boot file takes effect on the node's
 * next boot, with no regeneration step.
 */
export async function bootScriptFor(node: Node | null, ctx: Omit<BootContext, 'template'>, statedir: string): Promise<string> {
  const custom = node?.enabled && !(BUILTIN_BOOTENVS as readonly string[]).includes(node.bootenv) && isValidLabel(node.bootenv);
  const template = custom ? await loadBootenvTemplate(statedir, node.bootenv) : null;
  const files = await bootFiles(statedir);
  return renderBootScript(node, { ...ctx, template, discoveryMissing: files.discoveryMissing, overlay: files.overlay });
}
