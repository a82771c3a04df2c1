# muster: loaded into every Perl program a module runs (the module environment has
# PERL5LIB=<this directory> and PERL5OPT=-MMusterPerceusCompat), so that Perceus modules written as
#
#     BEGIN { require "/etc/perceus/Perceus_Include.pm"; }
#     use Perceus::Config;
#     my %config = parse_config("/etc/perceus/perceus.conf");
#
# run unchanged on a master where Perceus was never installed. Only when
# /etc/perceus/Perceus_Include.pm does not exist: `require` of that path loads muster's stand-in
# (perceus/Perceus_Include.pm here) and perceus/lib is on @INC for Perceus::Config. With Perceus
# installed, nothing changes: its own include and libraries are used.
#
# Perl ignores PERL5OPT under taint mode (#!/usr/bin/perl -T); docs/perceus-modules.md says how to
# link the stand-in into /etc/perceus for such modules instead.
package MusterPerceusCompat;
use strict;

my $INCLUDE = '/etc/perceus/Perceus_Include.pm';

if (!-e $INCLUDE) {
    (my $here = __FILE__) =~ s{/[^/]*\z}{};
    my $standin = "$here/perceus/Perceus_Include.pm";
    push @INC, "$here/perceus/lib";
    # Overriding require is the one way to reach an absolute path: @INC is not searched for it.
    my $outer = defined &CORE::GLOBAL::require ? \&CORE::GLOBAL::require : sub { CORE::require($_[0]) };
    no warnings 'redefine';
    # (;$) and $_: parsed and defaulted like the built-in require.
    *CORE::GLOBAL::require = sub (;$) {
        my $name = @_ ? $_[0] : $_;
        $name = $standin if defined $name && !ref $name && $name eq $INCLUDE;
        return $outer->($name);
    };
}

1;
