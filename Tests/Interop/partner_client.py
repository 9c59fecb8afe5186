"""A partner's client in Python: signs a petition and reads campaign totals
through the Groundswell gateway over TLS, with stubs generated from proto/.

Environment: GROUNDSWELL_GATEWAY, GROUNDSWELL_CA_FILE, GROUNDSWELL_API_KEY,
PETITION, CAMPAIGN, PROTO_DIR. Prints key=value lines for the test to check.
"""
import os

import grpc

import groundswell_stubs

groundswell_stubs.generate()

from google.rpc import status_pb2, error_details_pb2  # noqa: E402  (from googleapis-common-protos)
from groundswell.gateway.v1 import gateway_service_pb2, gateway_service_pb2_grpc  # noqa: E402
from groundswell.petition.v1 import petition_service_pb2, petition_service_pb2_grpc, petition_pb2  # noqa: E402

with open(os.environ["GROUNDSWELL_CA_FILE"], "rb") as f:
    credentials = grpc.ssl_channel_credentials(root_certificates=f.read())
channel = grpc.secure_channel(os.environ["GROUNDSWELL_GATEWAY"], credentials)
auth = (("authorization", "Bearer " + os.environ["GROUNDSWELL_API_KEY"]),)
petitions = petition_service_pb2_grpc.PetitionServiceStub(channel)
gateway = gateway_service_pb2_grpc.GatewayServiceStub(channel)

signed = petitions.SignPetition(
    petition_service_pb2.SignPetitionRequest(
        petition=os.environ["PETITION"],
        signer=petition_pb2.Signer(email="Py.Partner@Example.org", given_name="Pia", family_name="Thon"),
    ),
    metadata=auth, timeout=10,
)
print(f"signature_count={signed.signature_count}")
print(f"already_signed={signed.already_signed}")

# Totals are live: watch the campaign (server streaming) until the signature shows.
watch = gateway.WatchCampaignTotals(
    gateway_service_pb2.WatchCampaignTotalsRequest(campaigns=[os.environ["CAMPAIGN"]]), metadata=auth, timeout=10)
campaign_signatures = -1
for update in watch:
    for totals in update.totals:
        campaign_signatures = totals.signature_count
    if campaign_signatures >= 1:
        break
watch.cancel()
print(f"campaign_signatures={campaign_signatures}")

try:
    petitions.SignPetition(
        petition_service_pb2.SignPetitionRequest(
            petition=os.environ["PETITION"], signer=petition_pb2.Signer(email="nope", given_name="Pia")),
        metadata=auth, timeout=10)
    print("invalid_argument_fields=none")
except grpc.RpcError as error:
    fields = []
    for key, value in error.trailing_metadata() or ():
        if key == "grpc-status-details-bin":
            status = status_pb2.Status.FromString(value)
            for detail in status.details:
                bad = error_details_pb2.BadRequest()
                if detail.Unpack(bad):
                    fields += [v.field for v in bad.field_violations]
    print(f"invalid_argument_fields={','.join(fields)}")

try:
    gateway.GetGrandTotal(gateway_service_pb2.GetGrandTotalRequest(), timeout=10)
    print("unauthenticated=none")
except grpc.RpcError as error:
    print(f"unauthenticated={error.code().name}")
