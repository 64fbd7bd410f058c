"""One module per page: ``layout(user, match)`` and ``register_callbacks(app)``.

``match`` is the page's route and its checked path parameters (:class:`dashboards.routes.Match`).
"""
