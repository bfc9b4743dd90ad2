# Stand-in for pip's get-pip.py (the real one cannot be downloaded here): bootstrap pip with ensurepip, then
# install what ansible-test asked for, trusting the system CA bundle. get-pip-only flags are dropped.
import subprocess
import sys

args = [a for a in sys.argv[1:] if a not in ("--no-setuptools", "--no-wheel")]
subprocess.check_call([sys.executable, "-m", "ensurepip", "--upgrade"])
subprocess.check_call([sys.executable, "-m", "pip", "install", "--cert", "/etc/ssl/certs/ca-certificates.crt"] + args)
