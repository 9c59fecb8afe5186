"""Loads the gateway's HTML dashboard in headless Chromium (Debian's
chromium and chromium-driver), reads the grand total it shows, signs a
petition twice through the gateway, and waits for the page to show the new
total without being reloaded.

Environment: DASHBOARD_URL, CHROMEDRIVER, GROUNDSWELL_GATEWAY,
GROUNDSWELL_CA_FILE, GROUNDSWELL_API_KEY, PETITION, PROTO_DIR, and optionally
SCREENSHOT (a PNG path). Prints key=value lines for the test to check.
"""
import os
import subprocess
import sys
import time

import grpc
from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "Interop"))
import groundswell_stubs  # noqa: E402

groundswell_stubs.generate()
from groundswell.petition.v1 import petition_pb2, petition_service_pb2, petition_service_pb2_grpc  # noqa: E402

options = webdriver.ChromeOptions()
for argument in ["--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--window-size=1200,900"]:
    options.add_argument(argument)
driver = webdriver.Chrome(service=Service(os.environ["CHROMEDRIVER"], log_output=subprocess.DEVNULL), options=options)


def shown_total(previous=None, timeout=15):
    """The grand total the page shows, once it is a number (and differs from `previous`)."""
    deadline = time.time() + timeout
    while True:
        text = driver.find_element(By.ID, "grand-signatures").text.replace(",", "").replace("\u202f", "")
        if text.isdigit() and (previous is None or int(text) != previous):
            return int(text)
        if time.time() > deadline:
            return int(text) if text.isdigit() else -1
        time.sleep(0.2)


try:
    driver.get(os.environ["DASHBOARD_URL"])
    before = shown_total()
    print(f"before={before}")
    print(f"title={driver.title}")

    with open(os.environ["GROUNDSWELL_CA_FILE"], "rb") as f:
        credentials = grpc.ssl_channel_credentials(root_certificates=f.read())
    channel = grpc.secure_channel(os.environ["GROUNDSWELL_GATEWAY"], credentials)
    petitions = petition_service_pb2_grpc.PetitionServiceStub(channel)
    auth = (("authorization", "Bearer " + os.environ["GROUNDSWELL_API_KEY"]),)
    for email in ["browser.one@example.org", "browser.two@example.org"]:
        petitions.SignPetition(
            petition_service_pb2.SignPetitionRequest(
                petition=os.environ["PETITION"],
                signer=petition_pb2.Signer(email=email, given_name="Bo", family_name="Wser")),
            metadata=auth, timeout=10)

    after = shown_total(previous=before)
    if after == before + 1:  # the two signatures may land in separate refreshes
        after = shown_total(previous=after)
    print(f"after={after}")
    rows = driver.find_elements(By.CSS_SELECTOR, "#campaigns tr")
    print(f"campaign_rows={len(rows)}")
    if os.environ.get("SCREENSHOT"):
        driver.save_screenshot(os.environ["SCREENSHOT"])
finally:
    driver.quit()
