"""Generates Python stubs from proto/ into a temporary folder and puts it on
sys.path, so test clients import them as `groundswell.<service>.v1...`.

Environment: PROTO_DIR (the repository's proto/ folder).
"""
import os
import subprocess
import sys
import tempfile

import grpc_tools

PROTOS = [
    "groundswell/api/v1/access.proto",
    "groundswell/petition/v1/petition.proto",
    "groundswell/petition/v1/petition_service.proto",
    "groundswell/gateway/v1/gateway_service.proto",
]


def generate():
    out = tempfile.mkdtemp(prefix="groundswell-py-")
    well_known = os.path.join(os.path.dirname(grpc_tools.__file__), "_proto")
    subprocess.run(
        [sys.executable, "-m", "grpc_tools.protoc", f"-I{os.environ['PROTO_DIR']}", f"-I{well_known}",
         f"--python_out={out}", f"--grpc_python_out={out}", *PROTOS],
        check=True,
    )
    sys.path.insert(0, out)
