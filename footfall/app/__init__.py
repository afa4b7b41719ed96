"""The composition root: it builds the services and assembles the ASGI app, the server, the admin endpoint and
the ``footfall`` command from the core (``footfall.*``), the collector and the dashboard.

Nothing outside this package imports it; the collector and the dashboard see only their own typed state.
"""
