"""Run one command as a child process; print its wall time and peak memory as JSON.

A fresh helper per measurement, so RUSAGE_CHILDREN holds exactly that command's peak.
"""

from __future__ import annotations

import json
import os
import resource
import subprocess
import sys
import time

if __name__ == "__main__":
    cwd, command = sys.argv[1], sys.argv[2:]
    env = dict(os.environ, NO_MKDOCS_2_WARNING="1")
    started = time.perf_counter()
    result = subprocess.run(command, cwd=cwd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, check=False)
    seconds = time.perf_counter() - started
    peak_kb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    print(
        json.dumps(
            {
                "seconds": seconds,
                "peak_mb": peak_kb / 1024,
                "returncode": result.returncode,
                "stderr": result.stderr.decode()[-2000:],
                "stdout_tail": result.stdout.decode(errors="replace")[-2000:],
            }
        )
    )
