"""The dashboards: ``create_app(settings)`` builds the Flask server with the Dash pages."""

from dashboards.app import create_app

__all__ = ["create_app"]
