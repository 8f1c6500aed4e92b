"""Ray Serve application: the only package that imports Ray.

Ray 2.60 decides at import time whether a local node may use the loopback address; without
RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER=0 it resolves 127.0.0.1 to the machine's eth0 address and binds
there. Set it here, before any module of this package imports Ray (runtime.start_local_ray
also corrects an already-imported Ray).
"""

import os

os.environ.setdefault("RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER", "0")
os.environ.setdefault("RAY_USAGE_STATS_ENABLED", "0")
