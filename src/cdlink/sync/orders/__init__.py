"""The orders streams and actions.

Import, history import, reconciliation, order actions, cancellation reasons and carriers.
"""
