"""The Orders pages and API.

List, detail, actions, history imports, order settings and carriers.
"""
