"""The floor of bench 1: gunicorn relaying the same GET with no Django in between.

`GET /<name>` answers with Pipecat Cloud's answer for the set `name`. It shows what any page that
must wait for the provider costs on this machine before a line of ours runs.
"""

import os

import httpx

_api = httpx.Client(
    base_url=f"{os.environ['PIPECAT_PROD_API_URL']}/v1",
    headers={"Authorization": f"Bearer {os.environ['PIPECAT_PROD_API_KEY']}"},
)


def application(environ, start_response):
    body = _api.get(f"/secrets{environ['PATH_INFO']}").content
    start_response("200 OK", [("Content-Type", "application/json")])
    return [body]
