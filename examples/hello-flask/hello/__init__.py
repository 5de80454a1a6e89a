"""A small Flask service: an app factory, a health endpoint and one real route."""
import os

from flask import Flask, jsonify


def create_app(config=None):
    app = Flask(__name__)
    app.config.update(GREETING=os.environ.get("GREETING", "hello"))
    if config:
        app.config.update(config)

    @app.get("/healthz")
    def healthz():
        return jsonify(status="ok")

    @app.get("/")
    def index():
        return jsonify(
            message=f"{app.config['GREETING']} from {os.environ.get('PIPEWRIGHT_ENVIRONMENT', 'local')}"
        )

    return app
