"""A partner's first integration with Groundswell, in Python, step by step.

It generates the client stubs from the repository's proto/ with grpcio-tools,
then, through the gateway over TLS with one API key:

  1. creates a petition and publishes it;
  2. notes the event cursor ("now"), so that step 5 can start from it;
  3. signs three people, each with a request_id and the partner's own CRM id,
     retrying on the errors worth retrying — and sends one request twice, as
     a client that lost the answer would: it counts once;
  4. reads the petition's count and the organization's totals;
  5. reads the events from the cursor, stops after two, and resumes from the
     second one's cursor: the third comes, nothing twice;
  6. finds a signer by the CRM id;
  7. (with WEBHOOK_CERT and WEBHOOK_KEY) runs an HTTPS endpoint on loopback,
     registers it as a webhook from the cursor, and verifies the signature of
     what arrives with verify_webhook.py;
  8. exports the petition for delivery to its target, as CSV.

Run it against any deployment where the key's organization may do all this:

    pip install grpcio grpcio-tools
    GROUNDSWELL_GATEWAY=host:port GROUNDSWELL_CA_FILE=ca.crt \\
    GROUNDSWELL_API_KEY=gsk_… GROUNDSWELL_ORGANIZATION=organizations/… \\
    python3 examples/python/partner_walk.py

Step 7 needs a gateway that may reach 127.0.0.1 and trusts WEBHOOK_CERT
(`--webhook-allow-internal-addresses`, `--webhook-ca-file`), as the test
stack does. It prints one `step: …` line per step and, at the end,
`key=value` lines that the test suite checks; it exits 1 on the first failure.
"""
import http.server
import json
import os
import ssl
import subprocess
import sys
import tempfile
import threading
import time
import uuid

import grpc

HERE = os.path.dirname(os.path.abspath(__file__))
PROTO_DIR = os.environ.get("PROTO_DIR", os.path.join(HERE, "..", "..", "proto"))


def generate_stubs():
    """Python modules for every proto under proto/groundswell, in a temporary folder on sys.path."""
    import grpc_tools

    out = tempfile.mkdtemp(prefix="groundswell-walk-")
    protos = [
        os.path.relpath(os.path.join(folder, name), PROTO_DIR)
        for folder, _, names in os.walk(os.path.join(PROTO_DIR, "groundswell"))
        for name in names if name.endswith(".proto")
    ]
    well_known = os.path.join(os.path.dirname(grpc_tools.__file__), "_proto")
    subprocess.run(
        [sys.executable, "-m", "grpc_tools.protoc", f"-I{PROTO_DIR}", f"-I{well_known}",
         f"--python_out={out}", f"--grpc_python_out={out}", *sorted(protos)],
        check=True)
    sys.path.insert(0, out)


generate_stubs()
sys.path.insert(0, HERE)

from groundswell.gateway.v1 import gateway_service_pb2, gateway_service_pb2_grpc  # noqa: E402
from groundswell.gateway.v1 import webhook_service_pb2, webhook_service_pb2_grpc  # noqa: E402
from groundswell.petition.v1 import event_service_pb2, event_service_pb2_grpc  # noqa: E402
from groundswell.petition.v1 import petition_pb2, petition_service_pb2, petition_service_pb2_grpc  # noqa: E402
from groundswell.supporter.v1 import supporter_service_pb2, supporter_service_pb2_grpc  # noqa: E402
import verify_webhook  # noqa: E402

ORGANIZATION = os.environ["GROUNDSWELL_ORGANIZATION"]
with open(os.environ["GROUNDSWELL_CA_FILE"], "rb") as f:
    channel = grpc.secure_channel(os.environ["GROUNDSWELL_GATEWAY"], grpc.ssl_channel_credentials(f.read()))
AUTH = (("authorization", "Bearer " + os.environ["GROUNDSWELL_API_KEY"]),)
petitions = petition_service_pb2_grpc.PetitionServiceStub(channel)
supporters = supporter_service_pb2_grpc.SupporterServiceStub(channel)
events = event_service_pb2_grpc.EventServiceStub(channel)
webhooks = webhook_service_pb2_grpc.WebhookServiceStub(channel)
totals = gateway_service_pb2_grpc.GatewayServiceStub(channel)
results = {}

# Worth retrying with the same request_id: the call may or may not have
# happened (UNAVAILABLE, DEADLINE_EXCEEDED) or was refused for now
# (RESOURCE_EXHAUSTED: wait as long as the error says). Anything else is an
# answer: fix the request instead.
RETRYABLE = {grpc.StatusCode.UNAVAILABLE, grpc.StatusCode.DEADLINE_EXCEEDED, grpc.StatusCode.RESOURCE_EXHAUSTED}


def call_with_retries(method, request, attempts=5):
    delay = 0.2
    for attempt in range(attempts):
        try:
            return method(request, metadata=AUTH, timeout=10)
        except grpc.RpcError as error:
            if error.code() not in RETRYABLE or attempt == attempts - 1:
                raise
            retry_after = dict(error.trailing_metadata() or ()).get("retry-after-ms")
            time.sleep(int(retry_after) / 1000 if retry_after else delay)
            delay = min(delay * 2, 5)


def step(text):
    print(f"step: {text}", flush=True)


def read_events(cursor, count, within=10):
    """Up to `count` events after `cursor`; the last cursor seen."""
    got = []
    stream = events.SubscribeEvents(
        event_service_pb2.SubscribeEventsRequest(cursor=cursor), metadata=AUTH, timeout=within)
    try:
        for message in stream:
            got.extend(message.events)
            cursor = message.cursor
            if len(got) >= count:
                break
    except grpc.RpcError as error:
        if error.code() != grpc.StatusCode.DEADLINE_EXCEEDED:
            raise
    finally:
        stream.cancel()
    return got[:count], cursor


# 1. A petition, published.
step("create and publish a petition")
petition = petitions.CreatePetition(
    petition_service_pb2.CreatePetitionRequest(
        parent=ORGANIZATION,
        petition=petition_pb2.Petition(
            title="Fund the river clean-up",
            targets=[petition_pb2.Target(display_name="Pat Example", office="Governor", jurisdiction="US-CT")])),
    metadata=AUTH, timeout=10).petition
petitions.PublishPetition(petition_service_pb2.PublishPetitionRequest(name=petition.name), metadata=AUTH, timeout=10)

# 2. "Now", as a cursor: the first message of a subscription comes at once.
step("note the event cursor")
stream = events.SubscribeEvents(event_service_pb2.SubscribeEventsRequest(start_now=True), metadata=AUTH, timeout=10)
start_cursor = next(iter(stream)).cursor
stream.cancel()

# 3. Three signatures, each safe to retry; the first one sent twice.
step("sign three people with request ids and CRM ids")
signed = []
for number, (email, given) in enumerate([("ana@example.org", "Ana"), ("bo@example.org", "Bo"), ("cy@example.org", "Cy")]):
    request = petition_service_pb2.SignPetitionRequest(
        petition=petition.name,
        signer=petition_pb2.Signer(email=email, given_name=given, country="US", postal_code="06511",
                                   identifiers=[f"walk_crm:{number + 1}"]),
        show_name=True, source="partner-walk", request_id=str(uuid.uuid4()))
    signed.append(call_with_retries(petitions.SignPetition, request))
    if number == 0:
        again = call_with_retries(petitions.SignPetition, request)
        results["retry_same_signature"] = again.signature.name == signed[0].signature.name
        results["retry_count"] = again.signature_count

# 4. Counts and totals.
step("read the count and the organization's totals")
results["signature_count"] = petitions.GetPetition(
    petition_service_pb2.GetPetitionRequest(name=petition.name), metadata=AUTH, timeout=10).petition.signature_count
organization_totals = totals.GetOrganizationTotals(
    gateway_service_pb2.GetOrganizationTotalsRequest(organization=ORGANIZATION), metadata=AUTH, timeout=10).totals
results["organization_totals_read"] = organization_totals.organization == ORGANIZATION

# 5. Events from the cursor; stop after two, resume from the second.
step("read events from the cursor, stop, resume")
first_two, _ = read_events(start_cursor, 2)
rest, _ = read_events(first_two[-1].cursor, 1)
sequence = [event.sequence for event in first_two + rest]
results["events_in_order"] = sequence == list(range(sequence[0], sequence[0] + 3))
results["event_types"] = ",".join(event_service_pb2.Event.Type.Name(event.type) for event in first_two + rest)
results["event_signatures_match"] = [event.signature for event in first_two + rest] == [s.signature.name for s in signed]
results["event_identifiers"] = ",".join(",".join(event.identifiers) for event in first_two + rest)

# 6. A person by the partner's own id.
step("find a signer by the CRM id")
found = supporters.FindSupporter(
    supporter_service_pb2.FindSupporterRequest(parent=ORGANIZATION, identifier="walk_crm:2"), metadata=AUTH, timeout=10)
results["found_by_identifier"] = found.supporter.name == signed[1].signature.supporter

# 7. A webhook from the same cursor, verified as a partner's endpoint would.
if os.environ.get("WEBHOOK_CERT") and os.environ.get("WEBHOOK_KEY"):
    step("receive a webhook delivery and verify its signature")
    received = []
    arrived = threading.Event()

    class Endpoint(http.server.BaseHTTPRequestHandler):
        def do_POST(self):
            body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
            received.append((self.headers.get("Groundswell-Signature", ""), body))
            self.send_response(200)
            self.send_header("Content-Length", "0")
            self.end_headers()
            if sum(len(json.loads(b)["events"]) for _, b in received) >= 3:
                arrived.set()

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Endpoint)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(os.environ["WEBHOOK_CERT"], os.environ["WEBHOOK_KEY"])
    server.socket = context.wrap_socket(server.socket, server_side=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    created = webhooks.CreateWebhook(
        webhook_service_pb2.CreateWebhookRequest(
            webhook=webhook_service_pb2.Webhook(url=f"https://127.0.0.1:{server.server_address[1]}/groundswell",
                                                include_identifiers=True),
            cursor=start_cursor),
        metadata=AUTH, timeout=10)
    arrived.wait(30)
    results["webhook_verified"] = bool(received) and all(
        verify_webhook.verify(created.secret, header, body) for header, body in received)
    results["webhook_forged_refused"] = not verify_webhook.verify("whsec_not_the_secret", received[0][0], received[0][1]) \
        if received else False
    delivered = [event for _, body in received for event in json.loads(body)["events"]]
    results["webhook_events"] = len(delivered)
    results["webhook_identifiers"] = ",".join(",".join(event.get("identifiers", [])) for event in delivered)
    webhooks.DeleteWebhook(webhook_service_pb2.DeleteWebhookRequest(name=created.webhook.name), metadata=AUTH, timeout=10)
    server.shutdown()

# 8. The delivery export: a summary, then the CSV in parts.
step("export the petition for delivery")
summary, csv = None, b""
for part in petitions.ExportDelivery(
        petition_service_pb2.ExportDeliveryRequest(petition=petition.name), metadata=AUTH, timeout=30):
    if part.HasField("summary"):
        summary = part.summary
    csv += part.csv
with open(os.path.join(tempfile.mkdtemp(prefix="groundswell-delivery-"), "delivery.csv"), "wb") as out:
    out.write(csv)
results["export_count"] = summary.signature_count
results["export_rows"] = len(csv.decode().strip().splitlines()) - 1
results["export_ledger_head"] = len(summary.ledger_head) == 64

for key, value in results.items():
    print(f"{key}={value}")
