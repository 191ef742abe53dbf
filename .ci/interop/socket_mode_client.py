"""The official Python slack_sdk SocketModeClient (the builtin variant) against `slackline serve`.

Usage: socket_mode_client.py API_URL

Acks every envelope it receives, as a slack_sdk app does, and prints each envelope id it acked
on its own line. It runs until it is terminated: the fake's verdict says whether it did well.
"""

import logging
import signal
import sys
import threading

from slack_sdk.socket_mode import SocketModeClient
from slack_sdk.socket_mode.request import SocketModeRequest
from slack_sdk.socket_mode.response import SocketModeResponse
from slack_sdk.web import WebClient

api_url = sys.argv[1]
logging.basicConfig(level=logging.WARNING, stream=sys.stderr)
stop = threading.Event()
signal.signal(signal.SIGTERM, lambda *_: stop.set())


def on_request(client: SocketModeClient, request: SocketModeRequest) -> None:
    client.send_socket_mode_response(SocketModeResponse(envelope_id=request.envelope_id))
    print(request.envelope_id, flush=True)


web = WebClient(token="xoxb-0-interop-bot", base_url=api_url)
client = SocketModeClient(app_token="xapp-1-A0INTEROP-1-interop", web_client=web)
client.socket_mode_request_listeners.append(on_request)
client.connect()
stop.wait()
client.close()
