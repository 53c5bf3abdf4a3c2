"""The Queue and errors page and the streams API."""
