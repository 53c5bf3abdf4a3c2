"""Core: settings, errors, clock, logging with secret redaction, and the secret box.

Every other layer may import from here; this package imports nothing else of cdlink.
"""
