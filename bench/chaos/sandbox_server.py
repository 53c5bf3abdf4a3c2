"""``python -m bench.chaos.sandbox_server PORT CONFIG_JSON``: serve a configured sandbox over HTTP.

``cdlink sandbox`` exposes only the demo's knobs; the chaos run needs fast packages, a quick
preparation and no timed order generator, so it describes the whole ``SandboxConfig`` itself.
"""

from __future__ import annotations

import sys

import uvicorn

from cdlink.sandbox import Sandbox, SandboxConfig


def main() -> None:
    port, config = int(sys.argv[1]), SandboxConfig.model_validate_json(sys.argv[2])
    # The server answers several worker processes at once; its access log would only slow it.
    uvicorn.run(Sandbox(config).app, host="127.0.0.1", port=port, log_level="warning")


if __name__ == "__main__":
    main()
