"""``python -m tests.support.sandbox_process PORT CONFIG_JSON``: a sandbox server with any timers.

``cdlink sandbox`` exposes only the demo's knobs, and its offer packages take 35 s to integrate
(as Cdiscount's take minutes). Process tests that wait for a push to be confirmed start this
one instead, with quick packages; it prints the same banner, which ``SandboxServer`` reads.
"""

from __future__ import annotations

import sys

import uvicorn

from cdlink.sandbox import Sandbox, SandboxConfig


def main() -> None:
    port, config = int(sys.argv[1]), SandboxConfig.model_validate_json(sys.argv[2])
    simulator = Sandbox(config)
    base_url = f"http://127.0.0.1:{port}"
    credentials = simulator.credentials
    banner = [
        f"sandbox (seed {config.seed}) listening on {base_url}",
        f"  token URL:      {simulator.token_url(base_url)}",
        f"  API base URL:   {simulator.api_url(base_url)}",
        f"  seller id:      {config.seller_id}",
        f"  client id:      {credentials.client_id}",
        f"  client secret:  {credentials.client_secret}",
    ]
    sys.stdout.write("\n".join(banner) + "\n")
    sys.stdout.flush()
    uvicorn.run(simulator.app, host="127.0.0.1", port=port, log_level="warning")


if __name__ == "__main__":
    main()
