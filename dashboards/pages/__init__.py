"""One module per page: ``layout(user, slug)`` and ``register_callbacks(app)``."""
