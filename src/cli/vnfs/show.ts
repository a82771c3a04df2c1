import type { Command } from 'commander';
import { formatBytes } from '../progress.js';
import { verb } from '../select.js';
import type { ApiImage, ApiRevision } from './shared.js';

/** `vnfs show NAME`: the image and every revision (state, sizes, sha256, kernel, source). */
export function command(product: string): Command {
  return verb('show', 'Show a VNFS and its revisions', product, async (cli, args) => {
    const name = args[0]!;
    const done = await (await cli.client()).get<{ image: ApiImage; revisions: ApiRevision[] }>(`/vnfs/${encodeURIComponent(name)}`);
    if (cli.g.json) return cli.json(done);
    const { image } = done;
    cli.data(`${name}: current=${image.current ?? ''}`);
    cli.data(`${name}: nodes=${image.nodes}`);
    cli.data(`${name}: source=${image.source}`);
    for (const r of done.revisions) {
      const mark = r.revision === image.current ? '*' : ' ';
      const size = r.imageSize === null ? '' : ` vnfs.img=${formatBytes(r.imageSize)} sha256=${r.imageSha256}`;
      const kernel = r.kernelVersion === null ? '' : ` kernel=${r.kernelVersion}`;
      const why = r.error === null ? '' : ` error=${r.error}`;
      cli.data(`${mark} revision ${r.revision}: ${r.state} ${r.kind} ${r.createdAt}${kernel}${size}${why}`);
    }
  }).argument('<name>');
}
