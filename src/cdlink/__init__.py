"""cdlink: a self-hosted Cdiscount (Octopia) seller hub."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("cdlink")
except PackageNotFoundError:  # running from a source tree that was never installed
    __version__ = "0.0.0"

__all__ = ["__version__"]
