#!/usr/bin/env python3
"""Where a service's CPU samples go, by layer of the stack.

    python3 scripts/perf-layers.py FILE.perf [FILE.perf ...]

Reads a `perf record -g` file (as `scripts/benchmark-sign.sh --perf` writes
them) and charges each sample to the innermost frame that belongs to a known
layer: Groundswell's own code (with its request line, tracing and metrics
apart), SQLite, GRDB, protobuf, gRPC, HTTP/2, TLS, NIO, Swift concurrency
and dispatch, or a system call. A sample whose innermost frames are the
Swift runtime or libc (retain/release, metadata, malloc) goes to the layer
that called them. Swift functions are placed by the module in their mangled
name, so a gRPC function specialised for one of our types is still gRPC.
"""
import re
import subprocess
import sys
from collections import Counter

MODULE = re.compile(r"^\$s(\d+)")

# Module name (from the mangled symbol) -> layer.
MODULES = {
    "GroundswellRuntime": "Groundswell",
    "GroundswellModel": "Groundswell",
    "GroundswellAPI": "Groundswell",
    "PetitionService": "Groundswell",
    "SupporterService": "Groundswell",
    "GatewayService": "Groundswell",
    "CampaignService": "Groundswell",
    "GRDB": "GRDB",
    "SwiftProtobuf": "protobuf",
    "GRPCProtobuf": "protobuf",
    "GRPCCore": "gRPC",
    "GRPCNIOTransportCore": "gRPC",
    "GRPCNIOTransportHTTP2Posix": "gRPC",
    "GRPCNIOTransportHTTP2": "gRPC",
    "NIOHTTP2": "HTTP/2",
    "NIOHPACK": "HTTP/2",
    "NIOSSL": "TLS",
    "NIOCore": "NIO",
    "NIOPosix": "NIO",
    "NIOConcurrencyHelpers": "NIO",
    "OTel": "tracing",
    "Tracing": "tracing",
    "Instrumentation": "tracing",
    "ServiceContextModule": "tracing",
    "Prometheus": "metrics",
    "CoreMetrics": "metrics",
    "Metrics": "metrics",
    "Logging": "request line and logs",
}

# Our own functions that belong to a telemetry layer rather than the service.
OWN_TELEMETRY = [
    ("RequestLogInterceptor", "request line and logs"),
    ("LineLogHandler", "request line and logs"),
    ("LogTime", "request line and logs"),
    ("TracingInterceptor", "tracing"),
    ("RPCMetrics", "metrics"),
    ("ProcessMetrics", "metrics"),
    ("DatabaseInstruments", "metrics"),
]

ORDER = [
    "Groundswell", "request line and logs", "tracing", "metrics", "SQLite", "GRDB", "protobuf", "gRPC", "HTTP/2",
    "TLS", "NIO", "Swift concurrency and dispatch", "system calls", "runtime and libc only",
]


def module_of(symbol):
    match = MODULE.match(symbol)
    if not match:
        return None
    start = match.end()
    return symbol[start:start + int(match.group(1))]


def layer_of(symbol, dso):
    if symbol.startswith("sqlite3") or "libsqlite3" in dso:
        return "SQLite"
    if "BoringSSL" in symbol or symbol.startswith("bssl::"):
        return "TLS"
    if symbol.startswith("entry_SYSCALL"):
        return "system calls"
    if symbol.startswith(("swift_job_run", "swift_task_", "swift::AsyncTask", "_dispatch")) or "libdispatch" in dso:
        return "Swift concurrency and dispatch"
    module = module_of(symbol)
    if module is None:
        return None
    layer = MODULES.get(module)
    if layer == "Groundswell":
        for name, telemetry in OWN_TELEMETRY:
            if name in symbol:
                return telemetry
    return layer


def layers(path):
    script = subprocess.run(
        ["perf", "script", "-i", path, "-F", "ip,sym,dso"], capture_output=True, text=True, check=True
    ).stdout
    counts, total = Counter(), 0
    for block in script.split("\n\n"):
        frames = [line.strip() for line in block.strip().split("\n") if line.strip()]
        if not frames:
            continue
        total += 1
        chosen = None
        for frame in frames:  # innermost first
            parts = frame.split(" ", 1)
            if len(parts) < 2:
                continue
            rest = parts[1]
            dso = rest[rest.rfind("(") + 1:-1] if rest.endswith(")") else ""
            symbol = rest[: rest.rfind(" (")] if " (" in rest else rest
            chosen = layer_of(symbol, dso)
            if chosen:
                break
        counts[chosen or "runtime and libc only"] += 1
    return counts, total


def main():
    if len(sys.argv) < 2:
        print(__doc__.strip(), file=sys.stderr)
        return 64
    for path in sys.argv[1:]:
        counts, total = layers(path)
        print(f"{path}: {total} samples")
        if total == 0:
            continue
        for layer in ORDER:
            if counts[layer]:
                print(f"  {100 * counts[layer] / total:5.1f} %  {layer}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
