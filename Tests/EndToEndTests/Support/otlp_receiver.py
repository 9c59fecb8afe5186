"""A minimal OTLP/gRPC trace receiver for the tests: every span it is sent
becomes one JSON line (service, trace id, span id, parent span id, name, and
its string and integer attributes) in the file given. Usage: otlp_receiver.py PORT OUTFILE"""
import json
import sys
import time
from concurrent import futures

import grpc
from opentelemetry.proto.collector.trace.v1 import trace_service_pb2, trace_service_pb2_grpc


class Receiver(trace_service_pb2_grpc.TraceServiceServicer):
    def __init__(self, path):
        self.path = path

    def Export(self, request, context):
        with open(self.path, "a") as out:
            for resource_spans in request.resource_spans:
                service = next(
                    (a.value.string_value for a in resource_spans.resource.attributes if a.key == "service.name"), "")
                for scope in resource_spans.scope_spans:
                    for span in scope.spans:
                        out.write(json.dumps({
                            "service": service, "trace_id": span.trace_id.hex(), "span_id": span.span_id.hex(),
                            "parent": span.parent_span_id.hex(), "name": span.name,
                            "attributes": {
                                a.key: a.value.string_value if a.value.HasField("string_value") else str(a.value.int_value)
                                for a in span.attributes
                                if a.value.HasField("string_value") or a.value.HasField("int_value")
                            },
                        }) + "\n")
        return trace_service_pb2.ExportTraceServiceResponse()


def main():
    port, path = int(sys.argv[1]), sys.argv[2]
    server = grpc.server(futures.ThreadPoolExecutor(max_workers=4))
    trace_service_pb2_grpc.add_TraceServiceServicer_to_server(Receiver(path), server)
    server.add_insecure_port(f"127.0.0.1:{port}")
    server.start()
    print("listening", flush=True)
    # grpc's wait_for_termination() does not wake for SIGTERM: sleep instead.
    while True:
        time.sleep(1)


if __name__ == "__main__":
    main()
