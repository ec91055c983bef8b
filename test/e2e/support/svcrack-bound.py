"""
Runs Debian's svcrack (SIPVicious 0.3.3) unchanged, except that its -b/--bindingip option takes effect.

svcrack 0.3.3 parses -b but never hands it to the cracker, which then binds every interface and sends from whatever
address the route picks (127.0.0.1 on loopback). The e2e suite needs each attacker on a loopback address of its
own, so that banning it bans nothing else. Usage: python3 svcrack-bound.py <svcrack arguments, with -b <ip>>.
"""
import os
import shutil
import sys

svcrack_path = shutil.which('svcrack')
if svcrack_path is None:
    sys.exit('svcrack is not installed (Debian package sipvicious)')
# /usr/bin/svcrack links to the entry script that sits beside the sipvicious package
sys.path.insert(0, os.path.dirname(os.path.realpath(svcrack_path)))
from sipvicious import svcrack  # noqa: E402


def binding_ip(argv):
    for index, argument in enumerate(argv):
        if argument in ('-b', '--bindingip') and index + 1 < len(argv):
            return argv[index + 1]
        if argument.startswith('--bindingip='):
            return argument.split('=', 1)[1]
        if argument.startswith('-b') and len(argument) > 2:
            return argument[2:]
    return ''


bound_to = binding_ip(sys.argv[1:])
unbound_init = svcrack.ASipOfRedWine.__init__


def init_bound(self, *args, **kwargs):
    kwargs.setdefault('bindingip', bound_to)
    unbound_init(self, *args, **kwargs)


svcrack.ASipOfRedWine.__init__ = init_bound
sys.argv[0] = 'svcrack'
sys.exit(svcrack.main())
