/*
 * A partner on a C stack: encodes a SignPetitionRequest and decodes a
 * SignPetitionResponse with libprotobuf-c (Debian: libprotobuf-c-dev, and
 * protobuf-c-compiler for protoc-c), using code generated from proto/.
 * examples/c/run.sh builds and runs it; WireVectorTests compares its bytes
 * with the Swift encoding of the same messages (Tests/WireVectors/).
 *
 *   sign_wire encode FILE   write the request below, encoded, to FILE
 *   sign_wire decode FILE   read a SignPetitionResponse from FILE and print
 *                           its fields as key=value lines
 *
 * gRPC itself frames each message with 5 bytes (a compression flag and a
 * big-endian length) over HTTP/2; a C client that speaks HTTP/2 (nghttp2,
 * libcurl) sends these bytes in that frame with `content-type:
 * application/grpc` and `authorization: Bearer <key>`.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "groundswell/petition/v1/petition_service.pb-c.h"

static int encode(const char *path) {
  Groundswell__Petition__V1__Signer signer = GROUNDSWELL__PETITION__V1__SIGNER__INIT;
  signer.email = "ada@example.org";
  signer.given_name = "Ada";
  signer.family_name = "Lovelace";
  signer.postal_code = "SW1A 1AA";
  signer.country = "GB";

  Groundswell__Petition__V1__SignPetitionRequest request = GROUNDSWELL__PETITION__V1__SIGN_PETITION_REQUEST__INIT;
  request.petition = "petitions/wirevector01";
  request.signer = &signer;
  request.comment = "Ramène-les à la maison.";
  request.show_name = 1;
  request.source = "partner-site";
  request.opt_in = 1;
  request.request_id = "7f1d6c9e-0000-4000-8000-000000000001";
  request.signer_ip = "203.0.113.7";

  size_t size = groundswell__petition__v1__sign_petition_request__get_packed_size(&request);
  uint8_t *buffer = malloc(size);
  if (buffer == NULL) return 1;
  groundswell__petition__v1__sign_petition_request__pack(&request, buffer);
  FILE *out = fopen(path, "wb");
  if (out == NULL || fwrite(buffer, 1, size, out) != size || fclose(out) != 0) {
    perror(path);
    free(buffer);
    return 1;
  }
  free(buffer);
  return 0;
}

static int decode(const char *path) {
  FILE *in = fopen(path, "rb");
  if (in == NULL) {
    perror(path);
    return 1;
  }
  uint8_t buffer[65536];
  size_t size = fread(buffer, 1, sizeof buffer, in);
  fclose(in);
  Groundswell__Petition__V1__SignPetitionResponse *response =
      groundswell__petition__v1__sign_petition_response__unpack(NULL, size, buffer);
  if (response == NULL) {
    fprintf(stderr, "%s: not a SignPetitionResponse\n", path);
    return 1;
  }
  const Groundswell__Petition__V1__Signature *signature = response->signature;
  if (signature == NULL) {
    fprintf(stderr, "%s: no signature\n", path);
    groundswell__petition__v1__sign_petition_response__free_unpacked(response, NULL);
    return 1;
  }
  printf("signature.name=%s\n", signature->name);
  printf("signature.supporter=%s\n", signature->supporter);
  if (signature->create_time != NULL) {
    printf("signature.create_time.seconds=%" PRId64 "\n", signature->create_time->seconds);
    printf("signature.create_time.nanos=%" PRId32 "\n", signature->create_time->nanos);
  }
  printf("signature.comment=%s\n", signature->comment);
  printf("signature.show_name=%d\n", signature->show_name);
  printf("signature.country=%s\n", signature->country);
  printf("signature.subdivision=%s\n", signature->subdivision);
  printf("signature.public_name=%s\n", signature->public_name);
  printf("signature.collected_by=%s\n", signature->collected_by);
  printf("already_signed=%d\n", response->already_signed);
  printf("signature_count=%" PRId64 "\n", response->signature_count);
  printf("goal=%" PRId64 "\n", response->goal);
  groundswell__petition__v1__sign_petition_response__free_unpacked(response, NULL);
  return 0;
}

int main(int argc, char **argv) {
  if (argc == 3 && strcmp(argv[1], "encode") == 0) return encode(argv[2]);
  if (argc == 3 && strcmp(argv[1], "decode") == 0) return decode(argv[2]);
  fprintf(stderr, "usage: %s encode FILE | decode FILE\n", argv[0]);
  return 2;
}
