"""Helpers the tests share: constants, builders and fakes, imported by test modules and conftests.

Test modules never import one another; what two of them need lives here (tests/test_layout.py).
Fixtures stay in the conftest.py files.
"""
