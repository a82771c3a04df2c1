# muster's stand-in for Perceus's /etc/perceus/Perceus_Include.pm (written for muster; same
# interface): the path variables Perceus's include set, pointing at muster's statedir, and this
# library's directory on @INC so that `use Perceus::Config` finds muster's Perceus::Config.
# MusterPerceusCompat.pm loads it where a module requires the Perceus path.
package Perceus_Include;

BEGIN {
    # Where this file really is, also when /etc/perceus/Perceus_Include.pm is a link to it.
    my $file = __FILE__;
    while (-l $file) {
        my $to = readlink $file;
        (my $dir = $file) =~ s{/[^/]*\z}{};
        $file = $to =~ m{^/} ? $to : "$dir/$to";
    }
    # Untainted: a path of this package, not input (modules may run under perl -T).
    ($Perceus_Include::libdir) = $file =~ m{\A(.*)/[^/]*\z}s;
    $Perceus_Include::libdir .= '/lib';
    push @INC, $Perceus_Include::libdir unless grep { $_ eq $Perceus_Include::libdir } @INC;
}

# muster gives every module STATEDIR (with a trailing '/'); Perceus's variable had none.
our $statedir = defined $ENV{STATEDIR} && $ENV{STATEDIR} ne '' ? $ENV{STATEDIR} : '/var/lib/muster';
$statedir =~ s{/+\z}{};
our $localstatedir = '/var';
our $prefix = '/usr';
our $sysconfdir = '/etc';
our $initdir = '/etc/init.d';
our $libdir;

1;
