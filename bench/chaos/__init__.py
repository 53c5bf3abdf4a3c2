"""The chaos run (``make chaos``): cdlink against a hostile sandbox while its workers are killed.

``python -m bench.chaos`` starts the sandbox as an HTTP server, a fresh database, and the sync
runtime as real processes (``cdlink serve`` on SQLite; two ``cdlink worker`` and ``cdlink
scheduler`` on PostgreSQL with Redis). While orders pour in on the marketplace and stock changes
in cdlink, it injects faults and SIGKILLs workers; then it lets the system drain and checks that
nothing was lost, doubled or left behind. See docs/chaos.md.
"""
