"""The regions Pipecat Cloud offers, with the display names its `GET /regions` gives them."""

REGIONS: dict[str, str] = {
    "us-west": "US West (Oregon)",
    "us-east": "US East (Virginia)",
    "eu-central": "Europe (Frankfurt)",
    "ap-south": "Asia Pacific (Mumbai)",
}
