# muster's Perceus::Config (written for muster; same interface as Perceus's): parse_config(FILE)
# returns the settings of a Perceus-style config file as a hash of key => [values].
#
# Perceus's own files, /etc/perceus/perceus.conf and /etc/perceus/defaults.conf, are answered from
# muster's settings: the daemon writes them, in Perceus's syntax and key names, to
# <statedir>/perceus/ at every start (src/nodescripts/perceus-compat.ts). Any other path is read
# as given.
#
# Perceus's parser rules, kept: blank lines and lines whose first non-blank character is '#' are
# skipped; the key runs up to the first '='; double quotes around the value are removed; the value
# is split on commas and the spaces around them; a line with an empty value is not a setting
# (the key stays unset); of a key given twice the last line wins. Results are cached per process.
package Perceus::Config;
use strict;
use Exporter 'import';

our @EXPORT = qw(parse_config);

my %MUSTER_WRITTEN = (
    '/etc/perceus/perceus.conf'  => 'perceus.conf',
    '/etc/perceus/defaults.conf' => 'defaults.conf',
);
my %cache;

sub config_path {
    my ($file) = @_;
    my $name = $MUSTER_WRITTEN{$file};
    return $file unless defined $name && defined $ENV{STATEDIR} && $ENV{STATEDIR} ne '';
    (my $statedir = $ENV{STATEDIR}) =~ s{/*\z}{/};
    return "${statedir}perceus/$name";
}

sub parse_config {
    my ($file) = @_;
    my $path = config_path($file);
    return %{ $cache{$path} } if $cache{$path};
    my $fh;
    unless (open($fh, '<', $path)) {
        warn "Perceus::Config: cannot read $path (for $file): $!\n";
        return ();
    }
    my @lines = <$fh>;
    close $fh;
    my %config;
    for my $line (reverse @lines) {
        next if $line =~ /\A\s*(#|\z)/;
        next unless $line =~ /\A\s*([^=]*?)\s*=\s*"?(.*?)"?\s*\z/s;
        my ($key, $value) = ($1, $2);
        next if $key eq '' || $value eq '' || exists $config{$key};
        $config{$key} = [ split /\s*,\s*/, $value ];
    }
    $cache{$path} = \%config;
    return %config;
}

1;
