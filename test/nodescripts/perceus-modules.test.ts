/**
 * Acceptance of issue 9 (defects 12, 13, 11): Perceus's shipped modules, run unchanged by a real
 * daemon on a master without Perceus, render byte-identically to what perceusd sends for nodes
 * with debug 0, disabled nodes, and Perl modules that load Perceus's library.
 *
 * The modules here are fixtures written for this test from what Perceus's 00-init.sh, syncnodes
 * and ipaddr do (reference perceus.md §3.4, §6.5), reduced to the parts that matter: 00-init's
 * debug and enabled tests, syncnodes' `-eq 0` test of ENABLED, ipaddr's Perceus_Include +
 * Perceus::Config use. The expected texts are what perceusd would send for them: Perceus passes
 * "" for a 0 or unset DEBUG/ENABLED, and its parse_config returns `master network device` = lo
 * from a perceus.conf saying so.
 */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile, chmod } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { execa } from 'execa';
import { perlCompatEnv } from '../../src/nodescripts/perceus-compat.js';
import { cli, spawnDaemon, type TestDaemon } from '../helpers/daemon.js';
import { requireOrSkip } from '../helpers/require.js';
import { talk } from './fixture.js';

const INIT = `#!/bin/sh
# 00-init-like: the start of every init script
echo "STARTTIME=\\\`date +%s\\\`"
echo "DESTDIR=/newroot"
echo "DIFFROOT=\\$DESTDIR"
if [ -n "$DEBUG" ]; then
   echo "echo \\"Provisioning Debug level: $DEBUG\\""
   if [ "$DEBUG" -ge 2 ]; then
      echo "set -x"
   fi
fi
if [ -z "$ENABLED" -o "$ENABLED" = "0" ]; then
   echo "echo \\"ERROR: This node ($NODENAME) has been disabled!\\""
   echo "exit 1"
fi
`;

const SYNCNODES = `#!/bin/sh
# syncnodes-like: a ready node reboots, once idle, when its VNFS changed or it was disabled
reboot_when_idle() {
   cat <<EOF
if ps -eo uid= | awk '\\$1 > 499 { busy = 1 } END { exit !busy }'; then
   wall "perceus: $1; this node reboots once no user processes are left"
else
   /sbin/reboot
fi
EOF
}
cat <<EOF
mkdir -p /var/state/perceus
if [ ! -f /var/state/perceus/vnfs ]; then
   echo "$VNFS" > /var/state/perceus/vnfs
elif [ "\\$(cat /var/state/perceus/vnfs)" != "$VNFS" ]; then
   echo "$VNFS" > /var/state/perceus/vnfs
EOF
reboot_when_idle "VNFS changed to $VNFS"
echo "fi"
if [ "$ENABLED" -eq 0 ]; then
   reboot_when_idle "to disable this node"
fi
`;

/** The table is ipaddr's config file (/etc/perceus/modules/ipaddr), kept in __DATA__ here. */
const IPADDR = `#!/usr/bin/perl
# ipaddr-like: the node's network config from a table; [default] is the master device's mask or address
use strict;
use warnings;
BEGIN { require "/etc/perceus/Perceus_Include.pm"; }
use Perceus::Config;

my %config = &parse_config("/etc/perceus/perceus.conf");
my $masterdev = $config{"master network device"}[0];
die "ipaddr: no 'master network device' in /etc/perceus/perceus.conf\\n" unless defined $masterdev;
my ($masterip, $bits) = \`ip -o -4 addr show dev $masterdev\` =~ m{\\binet (\\d+\\.\\d+\\.\\d+\\.\\d+)/(\\d+)};
my $mastermask = join '.', unpack 'C4', pack 'N', (0xffffffff << (32 - $bits)) & 0xffffffff;

my $hostname = $ENV{NODENAME};
my $devs;
while (my $line = <DATA>) {
    my ($name, @spec) = split ' ', $line;
    next unless defined $name;
    if ($name eq $hostname) { $devs = \\@spec; last; }
    (my $re = $name) =~ s/\\*/.*/g;
    $devs = \\@spec if $hostname =~ /^$re$/;
}
exit 0 unless $devs;
for my $dev (@$devs) {
    my ($ifname, $how) = split /:/, $dev, 2;
    print "mkdir -p \\$DESTDIR/etc/sysconfig/network-scripts\\n";
    print "cat > \\$DESTDIR/etc/sysconfig/network-scripts/ifcfg-$ifname <<EOF\\n";
    print "DEVICE=$ifname\\nONBOOT=yes\\n";
    if ($how eq 'dhcp') {
        print "BOOTPROTO=dhcp\\n";
    } else {
        my ($ip, $mask, $gw) = split m{/}, $how;
        $mask = $mastermask if $mask eq '[default]';
        $gw = $masterip if defined $gw && $gw eq '[default]';
        print "BOOTPROTO=static\\nIPADDR=$ip\\nNETMASK=$mask\\n";
        print "GATEWAY=$gw\\n" if defined $gw;
    }
    print "EOF\\n";
}
__DATA__
n0000 eth0:10.1.0.10/[default]/[default] eth1:dhcp
* eth0:dhcp
`;

const FRAME = (body: string): string => `# PERCEUSD START\n# NODESCRIPT START\n${body}# NODESCRIPT END\n# PROVISIOND END\n`;
/** Keep-alive `#` lines appear whenever a render takes longer than a few seconds (a loaded machine). */
const quiet = (t: string): string => t.replace(/^#\n/gm, '');

const START = 'STARTTIME=`date +%s`\nDESTDIR=/newroot\nDIFFROOT=$DESTDIR\n';
const IFCFG = (dev: string, lines: string): string =>
  `mkdir -p $DESTDIR/etc/sysconfig/network-scripts\ncat > $DESTDIR/etc/sysconfig/network-scripts/ifcfg-${dev} <<EOF\nDEVICE=${dev}\nONBOOT=yes\n${lines}EOF\n`;
const SYNC = `mkdir -p /var/state/perceus
if [ ! -f /var/state/perceus/vnfs ]; then
   echo "" > /var/state/perceus/vnfs
elif [ "$(cat /var/state/perceus/vnfs)" != "" ]; then
   echo "" > /var/state/perceus/vnfs
if ps -eo uid= | awk '$1 > 499 { busy = 1 } END { exit !busy }'; then
   wall "perceus: VNFS changed to ; this node reboots once no user processes are left"
else
   /sbin/reboot
fi
fi
`;

const PERCEUS_INCLUDE = '/etc/perceus/Perceus_Include.pm';

async function missing(): Promise<string | false> {
  if ((await execa('perl', ['-e', '1'], { reject: false })).exitCode !== 0) return 'needs perl (Debian package perl-base)';
  if ((await execa('ip', ['-V'], { reject: false })).exitCode !== 0) return 'needs ip (Debian package iproute2)';
  if (existsSync(PERCEUS_INCLUDE)) return `a master without Perceus, but ${PERCEUS_INCLUDE} exists`;
  return false;
}

describe('Perceus modules run unchanged on a master without Perceus', { skip: requireOrSkip(await missing()) }, () => {
  let d: TestDaemon;
  let statedir: string;
  const ask = async (request: string): Promise<string> => {
    const r = await talk(d.info.ports.provisiond, request);
    assert.ok(r.closed, `closed: ${r.text}`);
    return quiet(r.text);
  };

  before(async () => {
    statedir = await mkdtemp(join(tmpdir(), 'muster-perceus-'));
    // An admin's Perceus tree: the daemon installs no default modules next to it.
    for (const [rel, text] of [
      ['init/all/00-init.sh', INIT],
      ['init/all/50-ipaddr.pl', IPADDR],
      ['ready/all/25-syncnodes.sh', SYNCNODES],
    ] as const) {
      const path = join(statedir, 'nodescripts', rel);
      await mkdir(dirname(path), { recursive: true });
      await writeFile(path, text);
      await chmod(path, 0o755);
    }
    d = await spawnDaemon({ statedir, env: { MUSTER_MASTER_NETWORK_DEVICE: 'lo', MUSTER_VNFS_TRANSFER_MASTER: '10.9.8.7' } });
    for (const [mac, name] of [
      ['00:00:00:00:00:01', 'n0000'],
      ['00:00:00:00:00:02', 'n0001'],
      ['00:00:00:00:00:03', 'n0002'],
    ]) {
      const r = await cli(d, ['node', 'add', mac!, name!]);
      assert.equal(r.exitCode, 0, r.stderr);
    }
    for (const [key, value, node] of [
      ['enabled', '0', 'n0001'],
      ['debug', '2', 'n0002'],
    ]) {
      const r = await cli(d, ['node', 'set', key!, value!, node!, '-y']);
      assert.equal(r.exitCode, 0, r.stderr);
    }
  });
  after(async () => {
    await d?.stop();
    await rm(statedir, { recursive: true, force: true });
  });

  it('the daemon wrote its settings as perceus.conf and defaults.conf for Perceus::Config', async () => {
    const conf = await readFile(join(statedir, 'perceus', 'perceus.conf'), 'utf8');
    assert.match(conf, /^master network device = lo$/m);
    assert.match(conf, /^vnfs transfer method = http$/m);
    assert.match(conf, /^vnfs transfer master = 10\.9\.8\.7$/m);
    assert.doesNotMatch(conf, /^vnfs transfer prefix/m, 'an empty value is left out: Perceus reads it as unset');
    const defaults = await readFile(join(statedir, 'perceus', 'defaults.conf'), 'utf8');
    assert.match(defaults, /^Node Name = n####$/m);
    assert.match(defaults, /^Group Name = cluster$/m);
    assert.match(defaults, /^Enabled = 1$/m);
  });

  it('init of a debug-0 node: no debug line, and the Perl module has the network config', async () => {
    assert.equal(
      await ask('init nodeid=00:00:00:00:00:01\n'),
      FRAME(START + IFCFG('eth0', 'BOOTPROTO=static\nIPADDR=10.1.0.10\nNETMASK=255.0.0.0\nGATEWAY=127.0.0.1\n') + IFCFG('eth1', 'BOOTPROTO=dhcp\n')),
    );
  });

  it('init of a disabled node stops it; init of a debug-2 node shows the level and traces', async () => {
    const dhcp = IFCFG('eth0', 'BOOTPROTO=dhcp\n');
    assert.equal(await ask('init nodeid=00:00:00:00:00:02\n'), FRAME(START + 'echo "ERROR: This node (n0001) has been disabled!"\nexit 1\n' + dhcp));
    assert.equal(await ask('init nodeid=00:00:00:00:00:03\n'), FRAME(START + 'echo "Provisioning Debug level: 2"\nset -x\n' + dhcp));
  });

  it("ready of a disabled node: syncnodes' ENABLED -eq 0 branch does not fire, as under Perceus", async () => {
    assert.equal(await ask('ready nodeid=00:00:00:00:00:02\n'), FRAME(SYNC));
    assert.equal(await ask('ready nodeid=00:00:00:00:00:01\n'), FRAME(SYNC), 'the same as for an enabled node');
  });

  it('a 500-character log line from a node reaches the event log whole', async () => {
    const text = 'smartd: sda: ' + 'reallocated sector count increased '.repeat(13) + 'x'.repeat(500 - 13 - 35 * 13);
    assert.equal(text.length, 500);
    const r = await talk(d.info.ports.provisiond, `log nodeid=00:00:00:00:00:01 ${text}\n`);
    assert.equal(r.text, '# PERCEUSD START\n');
    // The daemon records the message after it closed the connection: wait for the event.
    const res = await fetch(`${d.info.api}/api/v1/events?kind=node.log&wait=10`, { headers: { authorization: `Bearer ${d.token}` } });
    const { events } = (await res.json()) as { events: { message: string }[] };
    assert.equal(events.at(-1)?.message, `message from n0000: nodeid=00:00:00:00:00:01 ${text}`);
  });
});

describe("muster's Perceus::Config keeps Perceus's parser rules", { skip: requireOrSkip(await missing()) }, () => {
  let dir: string;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'muster-perceus-conf-'));
    await mkdir(join(dir, 'perceus'));
  });
  after(() => rm(dir, { recursive: true, force: true }));

  /** Runs Perl code after loading the library the way a Perceus module does; returns stdout. */
  const perl = async (code: string): Promise<{ stdout: string; stderr: string; exitCode: number }> => {
    const program = `BEGIN { require "${PERCEUS_INCLUDE}"; } use Perceus::Config; ${code}`;
    const r = await execa('perl', ['-e', program], {
      env: { PATH: '/bin:/usr/bin', STATEDIR: dir + '/', ...perlCompatEnv() },
      extendEnv: false,
      reject: false,
      stripFinalNewline: false,
    });
    return { stdout: r.stdout, stderr: r.stderr, exitCode: r.exitCode ?? -1 };
  };
  const dump = 'my %c = parse_config($ARGV[0] // "/etc/perceus/perceus.conf"); print map { "$_=" . join("|", @{$c{$_}}) . "\\n" } sort keys %c;';

  it('comments, quotes, comma lists, inner spaces in keys; empty value = unset; the last line wins', async () => {
    await writeFile(
      join(dir, 'perceus', 'perceus.conf'),
      [
        '# comment = not a setting',
        '   # indented comment',
        '',
        'master network device = eth9',
        '  vnfs transfer method   =   "nfs"  ',
        'master network device = eth1',
        'vnfs transfer prefix =',
        'list  key = a , b,c',
        'node timeout = 600',
        'node timeout = ',
        'not a setting',
      ].join('\n') + '\n',
    );
    const r = await perl(dump);
    assert.equal(r.exitCode, 0, r.stderr);
    assert.equal(r.stdout, 'list  key=a|b|c\nmaster network device=eth1\nnode timeout=600\nvnfs transfer method=nfs\n');
  });

  it("a file other than Perceus's own is read from its path; a missing one gives an empty hash and a warning", async () => {
    const other = join(dir, 'other.conf');
    await writeFile(other, 'Node Name = "c###"\n');
    const r = await perl(`${dump.replace('$ARGV[0] // "/etc/perceus/perceus.conf"', `"${other}"`)}`);
    assert.equal(r.stdout, 'Node Name=c###\n');
    const gone = await perl(`my %c = parse_config("${dir}/nosuch.conf"); print scalar(keys %c), "\\n";`);
    assert.equal(gone.exitCode, 0);
    assert.equal(gone.stdout, '0\n');
    assert.match(gone.stderr, /Perceus::Config: cannot read .*nosuch\.conf/);
  });

  it("Perceus_Include's variables point at muster's statedir; without the environment the require fails as before", async () => {
    const r = await perl('print "$Perceus_Include::statedir $Perceus_Include::sysconfdir\\n";');
    assert.equal(r.stdout, `${dir} /etc\n`);
    const plain = await execa('perl', ['-e', `require "${PERCEUS_INCLUDE}";`], { env: { PATH: '/bin:/usr/bin' }, extendEnv: false, reject: false });
    assert.notEqual(plain.exitCode, 0);
    assert.match(plain.stderr, /Can't locate \/etc\/perceus\/Perceus_Include\.pm/);
  });
});
