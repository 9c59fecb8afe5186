"""A hostile client for the hostile-client suite: opens long-lived streams or
bare TCP connections against the gateway and then abandons them the rudest
way there is, by ending the process without closing anything (the kernel
closes its TCP connections; no RST_STREAM, no GOAWAY).

  abandon.py watch N CHANNELS     N WatchSignatureCounts streams on PETITION
  abandon.py health N CHANNELS    N grpc.health.v1 Watch streams, no API key
  abandon.py tcp N                N TCP connections that never start TLS;
                                  prints how many the server closed, after
                                  waiting WAIT seconds (default 5)

Environment: GROUNDSWELL_GATEWAY, GROUNDSWELL_CA_FILE, GROUNDSWELL_API_KEY,
PETITION, PROTO_DIR. Prints key=value lines for the test to check.
"""
import asyncio
import os
import socket
import sys
import time

mode, count = sys.argv[1], int(sys.argv[2])


def tcp():
    host, port = os.environ["GROUNDSWELL_GATEWAY"].rsplit(":", 1)
    sockets = []
    for _ in range(count):
        s = socket.create_connection((host, int(port)))
        s.setblocking(False)
        sockets.append(s)
    print(f"opened={len(sockets)}", flush=True)
    deadline = time.monotonic() + float(os.environ.get("WAIT", "5"))
    closed = set()
    while time.monotonic() < deadline and len(closed) < len(sockets):
        for index, s in enumerate(sockets):
            if index in closed:
                continue
            try:
                if s.recv(1) == b"":
                    closed.add(index)
            except BlockingIOError:
                pass
            except OSError:
                closed.add(index)
        time.sleep(0.05)
    print(f"closed={len(closed)}", flush=True)


async def streams():
    import grpc
    import groundswell_stubs

    groundswell_stubs.generate()
    from groundswell.petition.v1 import petition_service_pb2, petition_service_pb2_grpc  # noqa: E402

    with open(os.environ["GROUNDSWELL_CA_FILE"], "rb") as f:
        credentials = grpc.ssl_channel_credentials(root_certificates=f.read())
    channels = [
        grpc.aio.secure_channel(os.environ["GROUNDSWELL_GATEWAY"], credentials, options=[("grpc.use_local_subchannel_pool", 1)])
        for _ in range(int(sys.argv[3]))
    ]
    auth = (("authorization", "Bearer " + os.environ.get("GROUNDSWELL_API_KEY", "")),)
    calls = []
    for index in range(count):
        channel = channels[index % len(channels)]
        if mode == "watch":
            stub = petition_service_pb2_grpc.PetitionServiceStub(channel)
            calls.append(stub.WatchSignatureCounts(
                petition_service_pb2.WatchSignatureCountsRequest(petitions=[os.environ["PETITION"]]), metadata=auth))
        else:
            # An empty HealthCheckRequest (service "") is zero bytes.
            watch = channel.unary_stream(
                "/grpc.health.v1.Health/Watch", request_serializer=lambda _: b"", response_deserializer=lambda b: b)
            calls.append(watch(None))
    opened, refused = 0, 0
    for call in calls:
        try:
            await asyncio.wait_for(call.read(), 10)
            opened += 1
        except grpc.aio.AioRpcError as error:
            refused += 1 if error.code() == grpc.StatusCode.RESOURCE_EXHAUSTED else 0
    print(f"opened={opened}", flush=True)
    print(f"refused={refused}", flush=True)
    # Leave without a word: no cancel, no GOAWAY; the kernel closes the sockets.
    os._exit(0)


if mode == "tcp":
    tcp()
else:
    asyncio.run(streams())
